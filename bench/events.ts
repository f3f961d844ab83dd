/**
 * Live progress (`GET /v1/jobs/{id}/events`) with 1 and then 100 watchers of one job in progress,
 * over real HTTP against the real api process: the hub's Postgres reads per second (from its
 * "last watcher left" log line, which counts them), the api's CPU over the phase and its RSS, and
 * the ratio 100:1. The job moves by itself (counters updated every 100 ms from here, as chunks
 * would), so every interval has something new to send.
 *
 *   npm run bench:events -- [--seconds 10] [--watchers 100]
 */
import { parseArgs } from 'node:util';
import { readFile } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { developmentJwtSecret, signAccessToken } from '@jabba/domain/identity';
import { ensureServices } from '../scripts/lib/services';
import { migrateDatabase } from '../scripts/lib/database';
import { startApp } from '../test/support/process';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '10' }, watchers: { type: 'string', default: '100' } } });
const phaseSeconds = Number(values.seconds);
const many = Number(values.watchers);
const server = process.env.BENCH_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432';
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const databaseUrl = `${server}/jabba_bench_events`;
const say = (line: string) => process.stdout.write(`${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

await ensureServices({ databaseUrl: `${server}/postgres`, redisUrl });
const admin = new pg.Client({ connectionString: `${server}/postgres` });
await admin.connect();
await admin.query('drop database if exists jabba_bench_events with (force)');
await admin.end();
await migrateDatabase(databaseUrl);
const db = new pg.Client({ connectionString: databaseUrl });
await db.connect();

const [clientId, jobId] = [randomUUID(), randomUUID()];
const total = 10_000_000;
await db.query(`insert into clients (id, name, type, status) values ($1, 'Bench', 'NHS', 'ACTIVE')`, [clientId]);
await db.query(
  `insert into jobs (id, type, strategy, client_id, chunk_size, meta, tasks_total, tasks_pending)
   values ($1, 'upload_device_definition_registry', 'CONCURRENT', $2, 1000, '{"registerType":"MEDICAL_DEVICE","reasonDescription":"Benchmark"}', $3, $3)`,
  [jobId, clientId, total],
);
const token = await signAccessToken(developmentJwtSecret, { userId: randomUUID(), clientId, scopes: ['device_registry_job:read'] });

const api = startApp('apps/api/src/main.ts', {
  DATABASE_URL: databaseUrl, REDIS_URL: redisUrl, QUEUE_PREFIX: `bench${process.pid}`, NODE_ENV: 'development',
  AUTH_JWT_SECRET: developmentJwtSecret, PORT: '0', LOG_LEVEL: 'info',
});

async function until<T>(check: () => T | undefined | Promise<T | undefined>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** CPU seconds (user + system) the api has used so far, and its resident set now, from /proc. */
async function apiUsage(): Promise<{ cpuS: number; rssMb: number }> {
  const pid = api.child.pid!;
  const stat = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]!.split(' ');
  // Fields 14 and 15 (utime, stime), counted from field 3 after the command name; in clock ticks (100/s).
  const cpuS = (Number(stat[11]) + Number(stat[12])) / 100;
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return { cpuS, rssMb: Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1]) / 1024 };
}

interface HubLine { reads: number; watchedMs: number; peakWatchers: number }
const hubLines = (): HubLine[] =>
  api.output().split('\n').filter((l) => l.includes('job events: last watcher left')).map((l) => JSON.parse(l) as HubLine);

interface Phase { watchers: number; readsPerS: number; eventsPerS: number; cpuPct: number; rssMb: number }

async function phase(base: string, watchers: number): Promise<Phase> {
  const linesBefore = hubLines().length;
  const abort = new AbortController();
  let events = 0;
  let opened = 0;
  const streams = Array.from({ length: watchers }, async () => {
    const response = await fetch(`${base}/v1/jobs/${jobId}/events`, { headers: { Authorization: `Bearer ${token}` }, signal: abort.signal });
    if (response.status !== 200) throw new Error(`events: ${response.status} ${await response.text()}`);
    opened += 1;
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        events += (value.match(/^event: /gm) ?? []).length;
      }
    } catch (error) {
      if (!abort.signal.aborted) throw error;
    }
  });
  await until(() => (opened === watchers ? true : undefined), `${watchers} streams to open`);
  const eventsAtStart = events;
  const start = await apiUsage();
  const started = performance.now();
  await sleep(phaseSeconds * 1000);
  const end = await apiUsage();
  const seconds = (performance.now() - started) / 1000;
  const delivered = events - eventsAtStart;
  abort.abort();
  await Promise.allSettled(streams);
  const line = await until(() => hubLines()[linesBefore], 'the hub to report the watch');
  return {
    watchers,
    readsPerS: line.reads / (line.watchedMs / 1000),
    eventsPerS: delivered / seconds,
    cpuPct: (100 * (end.cpuS - start.cpuS)) / seconds,
    rssMb: end.rssMb,
  };
}

const mover = setInterval(() => {
  void db.query(`update jobs set tasks_pending = tasks_pending - 100, tasks_processed = tasks_processed + 100, updated_at = now() where id = $1 and tasks_pending >= 100`, [jobId]);
}, 100);

try {
  const port = await until(() => /api listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(api.output())?.[1], 'the api to listen');
  const base = `http://127.0.0.1:${port}`;
  // Warm-up: the first requests load the GraphQL-free route code and the pool's first connections.
  await phase(base, 1);
  const one = await phase(base, 1);
  const hundred = await phase(base, many);
  say(`job events over ${phaseSeconds} s per phase, one job changing every 100 ms, 500 ms hub interval`);
  say('watchers | hub Postgres reads/s | events delivered/s | api CPU % | api RSS MB');
  for (const p of [one, hundred]) {
    say(`${String(p.watchers).padStart(8)} | ${p.readsPerS.toFixed(2).padStart(20)} | ${p.eventsPerS.toFixed(1).padStart(18)} | ${p.cpuPct.toFixed(1).padStart(9)} | ${p.rssMb.toFixed(0).padStart(10)}`);
  }
  say(`ratio ${many}:1 — Postgres reads/s ${(hundred.readsPerS / one.readsPerS).toFixed(2)}, events/s ${(hundred.eventsPerS / one.eventsPerS).toFixed(1)}, api CPU ${(hundred.cpuPct / Math.max(one.cpuPct, 0.1)).toFixed(1)}, RSS ${(hundred.rssMb / one.rssMb).toFixed(2)}`);
} finally {
  clearInterval(mover);
  api.child.kill('SIGTERM');
  await api.exit;
  await db.end();
  const cleanup = new pg.Client({ connectionString: `${server}/postgres` });
  await cleanup.connect();
  await cleanup.query('drop database if exists jabba_bench_events with (force)');
  await cleanup.end();
}
