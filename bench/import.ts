/**
 * Device registry import end to end, the way users run it: a generated CSV (a few percent bad
 * lines) uploaded over HTTP to the real api process, run by two real worker processes, polled
 * through `GET /v1/jobs/{id}` until it ends, then checked. The baseline, measured in the same run,
 * COPYs the import's own final rows (device definitions, their names, the tasks) back into the
 * same tables from the same empty state: the least work any import of this file must do.
 *
 *   npm run bench:import -- --lines 1000000 [--workers 2] [--concurrency 2] [--bad-every 33] [--dry-run]
 *
 * `--dry-run` uploads with `?dryRun=true`: the validation path alone (no device written), in a
 * database of its own so it can run beside a real benchmark. Its baseline COPYs only the task rows.
 */
import { parseArgs } from 'node:util';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { pipeline } from 'node:stream/promises';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { developmentJwtSecret, signAccessToken } from '@jabba/domain/identity';
import { ensureServices } from '../scripts/lib/services';
import { migrateDatabase } from '../scripts/lib/database';
import { startApp, type AppProcess } from '../test/support/process';

const { values } = parseArgs({
  options: {
    lines: { type: 'string', default: '100000' },
    workers: { type: 'string', default: '2' },
    concurrency: { type: 'string', default: '2' },
    'bad-every': { type: 'string', default: '33' },
    'dry-run': { type: 'boolean', default: false },
  },
});
const lines = Number(values.lines);
const badEvery = Number(values['bad-every']);
const server = process.env.BENCH_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432';
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const dryRun = values['dry-run'];
const databaseName = dryRun ? 'jabba_bench_import_dry' : 'jabba_bench_import';
const databaseUrl = `${server}/${databaseName}`;
const seconds = (since: number) => (performance.now() - since) / 1000;
const say = (line: string) => process.stdout.write(`${line}\n`);

await ensureServices({ databaseUrl: `${server}/postgres`, redisUrl });
const admin = new pg.Client({ connectionString: `${server}/postgres` });
await admin.connect();
await admin.query(`drop database if exists ${databaseName} with (force)`);
await admin.end();
await migrateDatabase(databaseUrl);
const db = new pg.Client({ connectionString: databaseUrl });
await db.connect();

// The file: every `badEvery`-th record fails validation (packaging_count 0), a few have quoted fields.
const dir = await mkdtemp(join(tmpdir(), 'jabba-bench-'));
const csvPath = join(dir, 'registry.csv');
const header = 'external_id,classification_type,description,manufacturer_name,manufacturer_country,model_number,part_number,packaging_type,packaging_count,packaging_unit,note,is_active,device_names.name,device_names.type,properties.type,properties.value_integer,properties.value_string';
const countries = ['UA', 'DE', 'PL', 'FR', 'US'];
let bad = 0;
const out = createWriteStream(csvPath);
out.write(`${header}\n`);
for (let i = 1; i <= lines; i += 1) {
  const isBad = i % badEvery === 0;
  if (isBad) bad += 1;
  const line = `EXT-${i},IIa,"Sterile, single use device no. ${i}",Acme Medical,${countries[i % 5]},M-${i},P-${i % 1000},box,${isBad ? 0 : (i % 50) + 1},piece,,true,Device ${i}|Пристрій ${i},USER_PROVIDED|PATIENT_REPORTED,weight|colour,${i % 500}|,|white\n`;
  if (!out.write(line)) await once(out, 'drain');
}
out.end();
await once(out, 'finish');
const bytes = (await stat(csvPath)).size;
say(`generated ${lines} lines (${bad} bad), ${(bytes / 1024 ** 2).toFixed(0)} MB`);

const clientId = randomUUID();
await db.query(`insert into clients (id, name, type, status) values ($1, 'Bench', 'NHS', 'ACTIVE')`, [clientId]);
const token = await signAccessToken(developmentJwtSecret, { userId: randomUUID(), clientId, scopes: ['device_registry:write', 'device_registry_job:read'] });

const env = { DATABASE_URL: databaseUrl, REDIS_URL: redisUrl, QUEUE_PREFIX: `bench${process.pid}`, NODE_ENV: 'development', AUTH_JWT_SECRET: developmentJwtSecret };
const api = startApp('apps/api/src/main.ts', { ...env, PORT: '0', LOG_LEVEL: 'info' });
const workers = Array.from({ length: Number(values.workers) }, () =>
  startApp('apps/worker/src/main.ts', { ...env, LOG_LEVEL: 'warn', WORKER_CONCURRENCY: values.concurrency }));
const all: AppProcess[] = [api, ...workers];

async function until<T>(check: () => T | undefined | Promise<T | undefined>, what: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Peak resident set size of a process, from the kernel's high-water mark. */
async function peakRssMb(child: AppProcess): Promise<number> {
  const status = await readFile(`/proc/${child.child.pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? Number.NaN) / 1024;
}

try {
  const port = await until(() => /api listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(api.output())?.[1], 'the api to listen');
  // Workers log nothing at warn level when healthy; give them their start-up reconcile pass.
  await until(async () => ((await fetch(`http://127.0.0.1:${port}/ready`)).ok ? true : undefined), 'the api to be ready');
  const base = `http://127.0.0.1:${port}`;
  const query = `registerType=MEDICAL_DEVICE&reasonDescription=Benchmark${dryRun ? '&dryRun=true' : ''}`;

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
  // The reference figure counts one device row and one task row per line, without the names.
  const devicesAndTasksRate = await copyBack(['tasks', 'device_definitions']);
  say(`copy of the device and task rows alone: ${devicesAndTasksRate.toFixed(0)} lines/s (ratio ${(rate / devicesAndTasksRate).toFixed(2)})`);
  const baselineRate = await copyBack(tables.map(([table]) => table));

  say(`import ${lines} lines: ${totalSeconds.toFixed(2)} s, ${rate.toFixed(0)} lines/s; copy baseline ${baselineRate.toFixed(0)} lines/s; ratio ${(rate / baselineRate).toFixed(2)}; api rss ${apiRss.toFixed(0)} MB; worker rss ${workerRss.toFixed(0)} MB`);
} finally {
  for (const child of all) child.child.kill('SIGTERM');
  await Promise.all(all.map((c) => c.exit));
  await db.end();
  await rm(dir, { recursive: true, force: true });
}
