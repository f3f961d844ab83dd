/**
 * How fast job retention deletes an ended 1,000,000-task job, and how long its longest single
 * statement runs (what bounds the time any lock is held). The job is seeded with set-based SQL (one
 * INSERT … SELECT from generate_series, inputs of the size a CSV line has), then deleted by
 * `deleteEndedJobs` in batches of `--batch`. The baseline is an identical job deleted by one plain
 * `delete from tasks where job_id = $1`: the fastest way there is, holding its locks for all of it.
 *
 *   npm run bench:retention [-- --tasks 1000000 --batch 10000]
 */
import { parseArgs } from 'node:util';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { deleteEndedJobs } from '@jabba/domain/engine';
import type { Sql } from '@jabba/domain/platform';
import { migrateDatabase } from '../scripts/lib/database';
import { ensureServices } from '../scripts/lib/services';

const { values } = parseArgs({ options: { tasks: { type: 'string', default: '1000000' }, batch: { type: 'string', default: '10000' } } });
const tasks = Number(values.tasks);
const batchSize = Number(values.batch);
const server = process.env.BENCH_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432';
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const databaseUrl = `${server}/jabba_bench_retention`;
const say = (line: string) => process.stdout.write(`${line}\n`);
const perSecond = (n: number, ms: number) => `${Math.round(n / (ms / 1000)).toLocaleString('en')} tasks/s`;

await ensureServices({ databaseUrl: `${server}/postgres`, redisUrl });
const admin = new pg.Client({ connectionString: `${server}/postgres` });
await admin.connect();
await admin.query('drop database if exists jabba_bench_retention with (force)');
await admin.end();
await migrateDatabase(databaseUrl);
const db = new pg.Client({ connectionString: databaseUrl });
await db.connect();
const sql: Sql = { query: async <R extends object>(text: string, params?: unknown[]) => (await db.query<R>(text, params)).rows };

/** One job of `tasks` PROCESSED tasks that ended 1000 days ago. */
async function seedJob(): Promise<string> {
  const jobId = randomUUID();
  const started = performance.now();
  await db.query('begin');
  await db.query(
    `insert into jobs (id, type, strategy, status, chunk_size, tasks_total, tasks_processed, ended_at, inserted_at)
     values ($1, 'device_registry', 'CONCURRENT', 'PROCESSED', 1000, $2, $2, now() - interval '1000 days', now() - interval '1001 days')`,
    [jobId, tasks],
  );
  await db.query(
    `insert into tasks (job_id, seq, name, status, meta, ended_at)
     select $1, g, 'Create device definition', 'PROCESSED',
            jsonb_build_object('csvDataLine', g + 1, 'input', 'EXT-' || g || ',IIa,Acme Medical,UA,M-' || g || ',box,1,piece,true,Device ' || g || ',USER_PROVIDED'),
            now() - interval '1000 days'
     from generate_series(1, $2::integer) g`,
    [jobId, tasks],
  );
  await db.query('commit');
  await db.query('vacuum analyze tasks');
  await db.query('vacuum analyze jobs');
  say(`seeded a job of ${tasks.toLocaleString('en')} tasks in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return jobId;
}

try {
  await seedJob();
  const started = performance.now();
  const durations: number[] = [];
  const result = await deleteEndedJobs(sql, { cutoff: new Date(Date.now() - 90 * 86_400_000), batchSize, onStatement: (ms) => durations.push(ms) });
  const retentionMs = performance.now() - started;
  if (result.tasksDeleted !== tasks || result.jobsDeleted !== 1) throw new Error(`retention deleted ${JSON.stringify(result)}`);
  say(`retention (batches of ${batchSize.toLocaleString('en')}): ${result.tasksDeleted.toLocaleString('en')} tasks in ${(retentionMs / 1000).toFixed(1)} s = ${perSecond(tasks, retentionMs)}; ` +
    `${result.statements} statements, longest ${result.longestStatementMs.toFixed(0)} ms`);
  const batches = durations.slice(0, -1).sort((a, b) => a - b);
  say(`  task batches: median ${batches[Math.floor(batches.length / 2)]!.toFixed(0)} ms, slowest ${batches.at(-1)!.toFixed(0)} ms; ` +
    `the job row (its FK cascade looks over the dead index entries) ${durations.at(-1)!.toFixed(0)} ms`);

  const baselineJob = await seedJob();
  const t0 = performance.now();
  const { rowCount } = await db.query('delete from tasks where job_id = $1', [baselineJob]);
  await db.query('delete from jobs where id = $1', [baselineJob]);
  const baselineMs = performance.now() - t0;
  if (rowCount !== tasks) throw new Error(`baseline deleted ${rowCount}`);
  say(`baseline (one delete statement): ${tasks.toLocaleString('en')} tasks in ${(baselineMs / 1000).toFixed(1)} s = ${perSecond(tasks, baselineMs)}; one statement of ${baselineMs.toFixed(0)} ms`);
  say(`retention takes ${(retentionMs / baselineMs).toFixed(2)}× the baseline's time; its longest statement is ${(result.longestStatementMs / baselineMs * 100).toFixed(1)} % of the baseline's one statement`);
} finally {
  await db.end();
  // A million dead rows twice over: the database goes, so it takes no disk on a shared machine.
  const cleanup = new pg.Client({ connectionString: `${server}/postgres` });
  await cleanup.connect();
  await cleanup.query('drop database if exists jabba_bench_retention with (force)');
  await cleanup.end();
}
