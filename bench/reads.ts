/**
 * Status reads under load, the way pollers make them: 10 concurrent clients (autocannon) against
 * `GET /v1/jobs/{id}` and a GraphQL page of 50 FAILED tasks with their errors, on a device registry
 * import of `--lines` lines (3 % bad) run by the real api and two real workers: once during the
 * import (from the moment its 202 arrives) and once after it. The baseline, measured in the same
 * phase, is `/health`: the api's floor on this machine at that moment (no Postgres, no token). Then
 * the events stream: what 1 and then `--watchers` watchers of one job cost Postgres.
 *
 *   npm run bench:reads -- [--lines 1000000] [--seconds 10] [--connections 10] [--rate 0] [--apis 1] [--watchers 50] [--nice-workers 0]
 *
 * Each connection sends its next request as soon as the last is answered (a saturation test: with
 * 10 in flight on one api process, a request waits for the others' CPU time), unless `--rate` paces
 * each to that many requests per second, as pollers do. `--nice-workers 19` runs the workers at the
 * lowest CPU priority: what then changes in the reads during the import is CPU contention.
 * `--apis 2` starts two api processes and spreads the connections over them (autocannon's list of
 * urls), as a deployment behind a load balancer would.
 *
 * Latencies are every response's own time (autocannon's `response` event), so p95 is exact;
 * "server" is the api's own mean from its request-duration histogram (`/metrics`), so the gap to the
 * client's mean is time spent queued for a CPU or the event loop, not in the handler.
 */
import { parseArgs } from 'node:util';
import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import autocannon from 'autocannon';
import { startApp, type AppProcess } from '../test/support/process';
import { benchClient, freshDatabase, until, writeRegistryCsv } from './lib/registry-bench';

const { values } = parseArgs({
  options: {
    lines: { type: 'string', default: '1000000' },
    seconds: { type: 'string', default: '10' },
    connections: { type: 'string', default: '10' },
    rate: { type: 'string', default: '0' },
    apis: { type: 'string', default: '1' },
    watchers: { type: 'string', default: '50' },
    'nice-workers': { type: 'string', default: '0' },
    'bad-every': { type: 'string', default: '33' },
  },
});
const lines = Number(values.lines);
const phaseSeconds = Number(values.seconds);
const connections = Number(values.connections);
const rate = Number(values.rate);
const manyWatchers = Number(values.watchers);
const niceWorkers = Number(values['nice-workers']);
const badEvery = Number(values['bad-every']);
const targets = { jobP95Ms: 20, pageP95Ms: 30 };
const say = (line: string) => process.stdout.write(`${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const { databaseUrl, db } = await freshDatabase('jabba_bench_reads');
const dir = await mkdtemp(join(tmpdir(), 'jabba-bench-reads-'));
const csvPath = join(dir, 'registry.csv');
const { bytes } = await writeRegistryCsv(csvPath, lines, badEvery);
const { clientId, token, env } = await benchClient(db, databaseUrl);
const authorization = `Bearer ${token}`;

const apis = Array.from({ length: Number(values.apis) }, () => startApp('apps/api/src/main.ts', { ...env, PORT: '0', LOG_LEVEL: 'info' }));
const api = apis[0]!;
const workers = [1, 2].map(() => startApp('apps/worker/src/main.ts', { ...env, LOG_LEVEL: 'warn' }, { nice: niceWorkers }));
const all: AppProcess[] = [...apis, ...workers];
let bases: string[] = [];


/** CPU seconds (user + system) a process has used so far, from /proc (clock ticks of 1/100 s). */
async function cpuSeconds(child: AppProcess): Promise<number> {
  const fields = (await readFile(`/proc/${child.child.pid}/stat`, 'utf8')).split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** The apis' own count and summed time of the requests of `route` so far, from their histograms. */
async function serverTimes(route: string): Promise<{ count: number; sum: number }> {
  const text = (await Promise.all(bases.map(async (base) => (await fetch(`${base}/metrics`)).text()))).join('\n');
  const total = (series: 'sum' | 'count') => text.split('\n')
    .filter((l) => l.startsWith(`jabba_api_http_request_duration_seconds_${series}{`) && l.includes(`route="${route}"`))
    .reduce((n, l) => n + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
  return { count: total('count'), sum: total('sum') };
}

interface Target { name: string; route: string; path: string; method?: 'GET' | 'POST'; body?: string; headers?: Record<string, string> }

interface Measured {
  name: string;
  requests: number;
  errors: number;
  perSecond: number;
  p: Record<'p50' | 'p95' | 'p97_5' | 'p99', number>;
  meanMs: number;
  serverMeanMs: number;
  apiCpuPct: number;
  workersCpuPct: number;
}

const percentile = (sorted: number[], q: number): number => sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN;

/** `connections` clients, each sending its next request when the last is answered, for `phaseSeconds`. */
async function measure(target: Target): Promise<Measured> {
  const latencies: number[] = [];
  let errors = 0;
  const [serverBefore, apiBefore, workersBefore] = await Promise.all([serverTimes(target.route), Promise.all(apis.map(cpuSeconds)), Promise.all(workers.map(cpuSeconds))]);
  const started = performance.now();
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon({
      // autocannon takes a list of urls and spreads the connections over it; its types say string.
      url: bases.map((base) => `${base}${target.path}`) as unknown as string,
      method: target.method ?? 'GET',
      connections,
      duration: phaseSeconds,
      ...(rate > 0 ? { connectionRate: rate } : {}),
      headers: { authorization, ...target.headers },
      ...(target.body ? { body: target.body } : {}),
    }, (error: unknown, done) => (error ? reject(error instanceof Error ? error : new Error(String(error))) : resolve(done)));
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      latencies.push(responseTime);
      if (statusCode !== 200) errors += 1;
    });
  });
  const seconds = (performance.now() - started) / 1000;
  const [serverAfter, apiAfter, workersAfter] = await Promise.all([serverTimes(target.route), Promise.all(apis.map(cpuSeconds)), Promise.all(workers.map(cpuSeconds))]);
  latencies.sort((a, b) => a - b);
  const used = (after: number[], before: number[]) => after.reduce((n, s, i) => n + s - before[i]!, 0);
  return {
    name: target.name,
    requests: latencies.length,
    errors: errors + result.errors + result.timeouts,
    perSecond: latencies.length / seconds,
    p: { p50: percentile(latencies, 0.5), p95: percentile(latencies, 0.95), p97_5: percentile(latencies, 0.975), p99: percentile(latencies, 0.99) },
    meanMs: latencies.reduce((n, l) => n + l, 0) / latencies.length,
    serverMeanMs: (1000 * (serverAfter.sum - serverBefore.sum)) / Math.max(1, serverAfter.count - serverBefore.count),
    apiCpuPct: (100 * used(apiAfter, apiBefore)) / seconds,
    workersCpuPct: (100 * used(workersAfter, workersBefore)) / seconds,
  };
}

const ms = (n: number) => n.toFixed(1).padStart(7);

function report(title: string, phase: Measured[], floor: Measured): void {
  say(`\n${title} (machine load average ${loadavg()[0]!.toFixed(1)} now, others' work included): ${connections} connections${rate > 0 ? ` at ${rate} requests/s each` : ', each as fast as it is answered'}, ${phaseSeconds} s each`);
  say('reads                          |  req/s |     p50 |     p95 |  p97.5 |     p99 | mean ms | server mean | errors | api CPU % | workers CPU % | p95 / floor');
  for (const m of phase) {
    say(`${m.name.padEnd(30)} | ${m.perSecond.toFixed(0).padStart(6)} | ${ms(m.p.p50)} | ${ms(m.p.p95)} | ${ms(m.p.p97_5).slice(1)} | ${ms(m.p.p99)} | ${ms(m.meanMs)} | ${ms(m.serverMeanMs).padStart(11)} | ${String(m.errors).padStart(6)} | ${m.apiCpuPct.toFixed(0).padStart(9)} | ${m.workersCpuPct.toFixed(0).padStart(13)} | ${(m.p.p95 / floor.p.p95).toFixed(2).padStart(11)}`);
  }
}

const verdict = (m: Measured, limitMs: number) => `${m.name} p95 ${m.p.p95.toFixed(1)} ms (target ≤ ${limitMs}): ${m.p.p95 <= limitMs && m.errors === 0 ? 'PASS' : 'FAIL'}`;

interface JobStatus { status: string; progress: { total: number; processed: number; failed: number; pending: number } }

try {
  bases = await Promise.all(apis.map(async (one) => {
    const port = await until(() => /api listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(one.output())?.[1], 'the api to listen');
    return `http://127.0.0.1:${port}`;
  }));
  const base = bases[0]!;
  for (const each of bases) await until(async () => ((await fetch(`${each}/ready`)).ok ? true : undefined), 'the api to be ready');
  say(`generated ${lines} lines (${Math.floor(lines / badEvery)} bad), ${(bytes / 1024 ** 2).toFixed(0)} MB; ${apis.length} api process(es), 2 workers at nice ${niceWorkers}`);

  const uploadStarted = performance.now();
  const accepted = await new Promise<{ id: string; databaseId: string }>((resolve, reject) => {
    const req = request(`${base}/v1/device-registry-jobs?registerType=MEDICAL_DEVICE&reasonDescription=Benchmark`, {
      method: 'POST',
      headers: { 'Content-Type': 'text/csv', 'Content-Length': bytes, Authorization: authorization },
    }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => (res.statusCode === 202 ? resolve(JSON.parse(body) as { id: string; databaseId: string }) : reject(new Error(`upload: ${res.statusCode} ${body}`))));
    });
    req.on('error', reject);
    createReadStream(csvPath).pipe(req);
  });
  const acceptedAt = performance.now();
  say(`upload answered 202 after ${((acceptedAt - uploadStarted) / 1000).toFixed(1)} s`);

  const jobStatus = async (): Promise<JobStatus> =>
    (await (await fetch(`${base}/v1/jobs/${accepted.databaseId}`, { headers: { authorization } })).json()) as JobStatus;
  const page = JSON.stringify({
    query: `query ($id: ID!) { deviceRegistryJob(id: $id) { tasks(filter: {status: FAILED}, first: 50) {
      nodes { databaseId status csvDataLine error { message extensions { code fields { column rule message } } } }
      pageInfo { hasNextPage endCursor } } } }`,
    variables: { id: accepted.id },
  });
  const reads: Target[] = [
    { name: 'GET /v1/jobs/{id}', route: '/v1/jobs/:id', path: `/v1/jobs/${accepted.databaseId}` },
    { name: 'GraphQL 50 FAILED tasks', route: '/graphql', path: '/graphql', method: 'POST', body: page, headers: { 'content-type': 'application/json' } },
    { name: 'floor: GET /health', route: '/health', path: '/health' },
  ];
  // A page that answers errors would measure nothing: check its shape once before each phase.
  const checkPage = async (): Promise<number> => {
    const res = await fetch(`${base}/graphql`, { method: 'POST', headers: { authorization, 'content-type': 'application/json' }, body: page });
    const body = (await res.json()) as { data?: { deviceRegistryJob: { tasks: { nodes: Array<{ status: string; error: unknown }> } } }; errors?: unknown };
    const nodes = body.data?.deviceRegistryJob.tasks.nodes;
    if (!nodes || body.errors || nodes.some((n) => n.status !== 'FAILED' || !n.error)) throw new Error(`the task page answered ${JSON.stringify(body).slice(0, 500)}`);
    return nodes.length;
  };

  const during: Measured[] = [];
  for (const target of reads) {
    const before = await jobStatus();
    const failedShown = target.route === '/graphql' ? await checkPage() : null;
    const m = await measure(target);
    const after = await jobStatus();
    during.push(m);
    say(`  during: ${target.name}: tasks processed ${before.progress.processed} → ${after.progress.processed} of ${lines}${failedShown === null ? '' : `, page of ${failedShown} failed`}${after.status === 'PENDING' ? '' : ` — the import ENDED (${after.status}): a shorter phase or more lines`}`);
  }
  const job = await until(async () => {
    const status = await jobStatus();
    return status.status === 'PENDING' ? undefined : status;
  }, 'the import to end', 60 * 60_000);
  say(`import ended ${job.status} ${((performance.now() - acceptedAt) / 1000).toFixed(1)} s after the 202: ${job.progress.processed} processed, ${job.progress.failed} failed`);

  const after: Measured[] = [];
  for (const target of reads) {
    if (target.route === '/graphql') await checkPage();
    after.push(await measure(target));
  }

  report('During the import', during, during[2]!);
  report('After the import', after, after[2]!);
  say('\ntargets (p95 under load, no errors):');
  for (const [phase, ms2] of [['during', during], ['after', after]] as const) {
    say(`  ${phase}: ${verdict(ms2[0]!, targets.jobP95Ms)}; ${verdict(ms2[1]!, targets.pageP95Ms)}`);
  }

  await watchersCost(base);
} finally {
  for (const child of all) child.child.kill('SIGTERM');
  await Promise.all(all.map((c) => c.exit));
  await db.end();
  await rm(dir, { recursive: true, force: true });
}

/**
 * Events: a job kept moving (counters every 100 ms, as chunks would), watched by 1 and then by
 * `manyWatchers` SSE clients. What it costs Postgres is counted twice: the hub's own reads (its
 * "last watcher left" line) and the database's committed transactions per second (every statement
 * of the api, the workers' idle loops and this mover included, so only the difference between the
 * phases means something). Streams are opened before the window: opening one checks the token
 * and reads the job once, a cost per connection, not per interval.
 */
async function watchersCost(base: string): Promise<void> {
  const jobId = randomUUID();
  await db.query(
    `insert into jobs (id, type, strategy, client_id, chunk_size, meta, tasks_total, tasks_pending)
     values ($1, 'upload_device_definition_registry', 'CONCURRENT', $2, 1000, '{"registerType":"MEDICAL_DEVICE","reasonDescription":"Benchmark"}', $3, $3)`,
    [jobId, clientId, 100_000_000],
  );
  const mover = setInterval(() => {
    void db.query(`update jobs set tasks_pending = tasks_pending - 1, tasks_processed = tasks_processed + 1, updated_at = now() where id = $1`, [jobId]);
  }, 100);
  const commits = async () => Number((await db.query<{ n: string }>('select pg_stat_force_next_flush(), xact_commit as n from pg_stat_database where datname = current_database()')).rows[0]!.n);
  const hubLines = () => api.output().split('\n').filter((l) => l.includes('job events: last watcher left')).map((l) => JSON.parse(l) as { reads: number; watchedMs: number });

  async function phase(watchers: number): Promise<{ commitsPerS: number; hubReadsPerS: number | null }> {
    const abort = new AbortController();
    let opened = 0;
    const streams = Array.from({ length: watchers }, async () => {
      const response = await fetch(`${base}/v1/jobs/${jobId}/events`, { headers: { authorization }, signal: abort.signal });
      if (response.status !== 200) throw new Error(`events: ${response.status}`);
      opened += 1;
      const reader = response.body!.getReader();
      try {
        while (!(await reader.read()).done) { /* drained */ }
      } catch (error) {
        if (!abort.signal.aborted) throw error;
      }
    });
    const linesBefore = hubLines().length;
    await until(() => (opened === watchers ? true : undefined), `${watchers} streams to open`);
    // Statistics reach pg_stat_database when a backend flushes them (at most once a second).
    await sleep(1500);
    const before = await commits();
    const started = performance.now();
    await sleep(phaseSeconds * 1000);
    await sleep(1500);
    const commitsPerS = ((await commits()) - before) / ((performance.now() - started) / 1000);
    abort.abort();
    await Promise.allSettled(streams);
    const line = watchers > 0 ? await until(() => hubLines()[linesBefore], 'the hub to report the watch') : null;
    return { commitsPerS, hubReadsPerS: line && line.reads / (line.watchedMs / 1000) };
  }

  try {
    // Idle backends flush their statistics up to 10 s late: let the read phases' commits land first.
    await sleep(11_000);
    const results = [];
    for (const watchers of [0, 1, manyWatchers]) results.push({ watchers, ...(await phase(watchers)) });
    say(`\nevents stream (GET /v1/jobs/{id}/events), one job moving every 100 ms, ${phaseSeconds} s per phase`);
    say('watchers | Postgres commits/s (whole database) | hub reads/s');
    for (const r of results) say(`${String(r.watchers).padStart(8)} | ${r.commitsPerS.toFixed(2).padStart(35)} | ${r.hubReadsPerS === null ? '-' : r.hubReadsPerS.toFixed(2)}`);
    const [, one, many] = results;
    say(`per watcher beyond the first: ${((many!.commitsPerS - one!.commitsPerS) / (manyWatchers - 1)).toFixed(3)} commits/s; hub reads ${many!.hubReadsPerS!.toFixed(2)}/s with ${manyWatchers} vs ${one!.hubReadsPerS!.toFixed(2)}/s with 1`);
  } finally {
    clearInterval(mover);
  }
}
