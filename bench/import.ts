/**
 * Device registry import end to end, the way users run it: a generated CSV (a few percent bad
 * lines) uploaded over HTTP to the real api process, run by two real worker processes, polled
 * through `GET /v1/jobs/{id}` until it ends, then checked. Two baselines, measured in the same run
 * from the import's own final rows:
 * - raw: the device rows and one task row per line COPYed into plain tables (no index, no key), the
 *   floor any storage of this file meets (issue 15's ratio, target 0.5);
 * - copy: every final row (definitions, names, tasks) COPYed back into the real tables from the same
 *   empty state, the least work this schema makes any import of this file do.
 * It prints each process's peak RSS and CPU seconds, and, where the server preloads
 * pg_stat_statements, the statements the import spent its Postgres time in.
 *
 *   npm run bench:import -- --lines 1000000 [--workers 2] [--concurrency 2] [--chunk-size 1000] [--bad-every 33] [--dry-run]
 *
 * `--dry-run` uploads with `?dryRun=true`: the validation path alone (no device written), in a
 * database of its own so it can run beside a real benchmark. Its baseline COPYs only the task rows.
 */
import { parseArgs } from 'node:util';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { startApp, type AppProcess } from '../test/support/process';
import { benchClient, freshDatabase, until, writeRegistryCsv } from './lib/registry-bench';

const { values } = parseArgs({
  options: {
    lines: { type: 'string', default: '100000' },
    workers: { type: 'string', default: '2' },
    concurrency: { type: 'string', default: '2' },
    // Tasks per chunk (the api's IMPORT_CHUNK_SIZE); unset, the job type's own.
    'chunk-size': { type: 'string' },
    'bad-every': { type: 'string', default: '33' },
    'dry-run': { type: 'boolean', default: false },
  },
});
const lines = Number(values.lines);
const badEvery = Number(values['bad-every']);
const dryRun = values['dry-run'];
const databaseName = dryRun ? 'jabba_bench_import_dry' : 'jabba_bench_import';
const seconds = (since: number) => (performance.now() - since) / 1000;
const say = (line: string) => process.stdout.write(`${line}\n`);

const { databaseUrl, db } = await freshDatabase(databaseName);
const dir = await mkdtemp(join(tmpdir(), 'jabba-bench-'));
const csvPath = join(dir, 'registry.csv');
const { bytes, bad } = await writeRegistryCsv(csvPath, lines, badEvery);
say(`generated ${lines} lines (${bad} bad), ${(bytes / 1024 ** 2).toFixed(0)} MB`);
const { token, env } = await benchClient(db, databaseUrl);

const api = startApp('apps/api/src/main.ts', { ...env, PORT: '0', LOG_LEVEL: 'info', ...(values['chunk-size'] ? { IMPORT_CHUNK_SIZE: values['chunk-size'] } : {}) });
const workers = Array.from({ length: Number(values.workers) }, () =>
  startApp('apps/worker/src/main.ts', { ...env, LOG_LEVEL: 'warn', WORKER_CONCURRENCY: values.concurrency }));
const all: AppProcess[] = [api, ...workers];

/** Peak resident set size of a process, from the kernel's high-water mark. */
async function peakRssMb(child: AppProcess): Promise<number> {
  const status = await readFile(`/proc/${child.child.pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? Number.NaN) / 1024;
}

/** User plus system CPU seconds a process has used (proc(5): fields 14 and 15, in clock ticks of 1/100 s). */
async function cpuSeconds(child: AppProcess): Promise<number> {
  const fields = (await readFile(`/proc/${child.child.pid}/stat`, 'utf8')).split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Whether the server preloads pg_stat_statements; if so its counts start now. */
async function startStatementProfile(): Promise<boolean> {
  try {
    await db.query('create extension if not exists pg_stat_statements');
    await db.query('select pg_stat_statements_reset()');
    return true;
  } catch {
    return false;
  }
}

/** The statements the import spent its Postgres time in (summed over sessions, so over wall time with two workers). */
async function printStatementProfile(): Promise<void> {
  const { rows } = await db.query<{ seconds: string; calls: string; rows: string; query: string }>(
    `select round(total_exec_time::numeric / 1000, 2) as seconds, calls, rows, left(regexp_replace(query, '\\s+', ' ', 'g'), 100) as query
     from pg_stat_statements where dbid = (select oid from pg_database where datname = current_database())
     order by total_exec_time desc limit 12`);
  say('postgres time by statement (s, calls, rows):');
  for (const r of rows) say(`  ${r.seconds.padStart(7)} ${r.calls.padStart(8)} ${r.rows.padStart(9)}  ${r.query}`);
}

try {
  const port = await until(() => /api listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(api.output())?.[1], 'the api to listen');
  // Workers log nothing at warn level when healthy; give them their start-up reconcile pass.
  await until(async () => ((await fetch(`http://127.0.0.1:${port}/ready`)).ok ? true : undefined), 'the api to be ready');
  const base = `http://127.0.0.1:${port}`;
  const query = `registerType=MEDICAL_DEVICE&reasonDescription=Benchmark${dryRun ? '&dryRun=true' : ''}`;
  const profiling = await startStatementProfile();
  const cpuBefore = await Promise.all(all.map(cpuSeconds));

  const started = performance.now();
  const accepted = await new Promise<{ databaseId: string }>((resolve, reject) => {
    const req = request(`${base}/v1/device-registry-jobs?${query}`, {
      method: 'POST',
      headers: { 'Content-Type': 'text/csv', 'Content-Length': bytes, Authorization: `Bearer ${token}` },
    }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => (res.statusCode === 202 ? resolve(JSON.parse(body) as { databaseId: string }) : reject(new Error(`upload: ${res.statusCode} ${body}`))));
    });
    req.on('error', reject);
    createReadStream(csvPath).pipe(req);
  });
  const uploadSeconds = seconds(started);
  say(`upload (stored as ${lines} tasks before the 202): ${uploadSeconds.toFixed(2)} s, ${(lines / uploadSeconds).toFixed(0)} lines/s`);

  interface JobStatus { status: string; progress: { total: number; processed: number; failed: number; pending: number } }
  const job = await until(async () => {
    const res = await fetch(`${base}/v1/jobs/${accepted.databaseId}`, { headers: { Authorization: `Bearer ${token}` } });
    const body = (await res.json()) as JobStatus;
    return body.status === 'PENDING' ? undefined : body;
  }, 'the job to end', 30 * 60_000);
  const totalSeconds = seconds(started);
  const rate = lines / totalSeconds;
  say(`processing after upload: ${(totalSeconds - uploadSeconds).toFixed(2)} s, ${(lines / (totalSeconds - uploadSeconds)).toFixed(0)} lines/s`);

  const [devices] = (await db.query<{ n: string }>('select count(*) as n from device_definitions')).rows;
  const expected = { status: 'FAILED', processed: lines - bad, failed: bad, pending: 0 };
  const got = { status: job.status, processed: job.progress.processed, failed: job.progress.failed, pending: job.progress.pending };
  if (JSON.stringify(got) !== JSON.stringify(expected) || Number(devices!.n) !== (dryRun ? 0 : lines - bad)) {
    throw new Error(`wrong result: ${JSON.stringify({ got, devices: devices!.n })}, expected ${JSON.stringify(expected)}`);
  }
  say(`checked: ${job.progress.processed} processed${dryRun ? ' (dry run)' : ''}, ${devices!.n} device definitions, ${job.progress.failed} failed = the bad lines`);
  if (dryRun) say(`dry run (validation path) ${lines} lines: ${totalSeconds.toFixed(2)} s, ${rate.toFixed(0)} lines/s end to end; ${(lines / (totalSeconds - uploadSeconds)).toFixed(0)} lines/s after the upload`);
  const apiRss = await peakRssMb(api);
  const workerRss = Math.max(...(await Promise.all(workers.map(peakRssMb))));
  const cpu = (await Promise.all(all.map(cpuSeconds))).map((after, i) => (after - cpuBefore[i]!).toFixed(1));
  say(`cpu seconds: api ${cpu[0]}, workers ${cpu.slice(1).join(', ')} (of ${totalSeconds.toFixed(1)} s on ${availableParallelism()} cores)`);
  if (profiling) await printStatementProfile();

  // Baseline: the same final rows, copied back into the same (emptied) tables.
  const tables = [
    ['tasks', `(select * from tasks where job_id = '${accepted.databaseId}')`],
    ['device_definitions', 'device_definitions'],
    ['device_definition_names', 'device_definition_names'],
  ] as const;
  for (const [table, source] of tables) {
    await pipeline(db.query(copyTo(`copy ${source} to stdout`)), createWriteStream(join(dir, `${table}.copy`)));
  }
  /** Empties what the import wrote, then times COPYing `copied` of its final rows back in one transaction. */
  async function copyBack(copied: readonly (typeof tables)[number][0][]): Promise<number> {
    await db.query('truncate device_definition_names, device_definitions');
    await db.query('delete from tasks where job_id = $1', [accepted.databaseId]);
    await db.query('vacuum tasks');
    const copyStarted = performance.now();
    await db.query('begin');
    for (const table of copied) {
      await pipeline(createReadStream(join(dir, `${table}.copy`)), db.query(copyFrom(`copy ${table} from stdin`)));
    }
    await db.query('commit');
    return lines / seconds(copyStarted);
  }
  /** The device rows and one task row per line, COPYed into plain tables of the same columns (no index, no key, no default). */
  async function rawCopy(): Promise<number> {
    await db.query('drop table if exists raw_tasks, raw_device_definitions');
    await db.query('create table raw_tasks (like tasks)');
    await db.query('create table raw_device_definitions (like device_definitions)');
    const copyStarted = performance.now();
    await db.query('begin');
    for (const table of ['tasks', 'device_definitions']) {
      await pipeline(createReadStream(join(dir, `${table}.copy`)), db.query(copyFrom(`copy raw_${table} from stdin`)));
    }
    await db.query('commit');
    const rawRate = lines / seconds(copyStarted);
    await db.query('drop table raw_tasks, raw_device_definitions');
    return rawRate;
  }
  const rawRate = await rawCopy();
  const baselineRate = await copyBack(tables.map(([table]) => table));

  const ok = (pass: boolean): string => (pass ? 'meets' : 'MISSES');
  say(`raw COPY of the device rows and one task row per line into plain tables: ${rawRate.toFixed(0)} lines/s`);
  say(`import ${lines} lines: ${totalSeconds.toFixed(2)} s, ${rate.toFixed(0)} lines/s (${ok(rate >= 20_000)} 20,000)`);
  say(`  ratio to the raw COPY ${(rate / rawRate).toFixed(2)} (${ok(rate / rawRate >= 0.5)} 0.5); to the copy baseline into the real tables (${baselineRate.toFixed(0)} lines/s) ${(rate / baselineRate).toFixed(2)}`);
  say(`  upload ${(lines / uploadSeconds).toFixed(0)} lines/s (${ok(lines / uploadSeconds >= 100_000)} 100,000); peak rss api ${apiRss.toFixed(0)} MB, worker ${workerRss.toFixed(0)} MB (${ok(Math.max(apiRss, workerRss) <= 250)} 250)`);
} finally {
  for (const child of all) child.child.kill('SIGTERM');
  await Promise.all(all.map((c) => c.exit));
  await db.end();
  await rm(dir, { recursive: true, force: true });
}
