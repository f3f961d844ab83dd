/**
 * Engine throughput: a CONCURRENT job of N no-op tasks, created with COPY and run by two workers
 * (in-process, each with its own Redis connection, concurrency 2), against a baseline measured in the
 * same run: the least database work any engine must do (COPY the task rows, then one set-based
 * UPDATE per chunk to mark them PROCESSED).
 *
 *   npm run bench:engine -- --tasks 200000 [--mode batch|each] [--chunk 1000]
 */
import { parseArgs } from 'node:util';
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { z } from 'zod';
import { from as copyFrom } from 'pg-copy-streams';
import { createJob, defineJobType, enqueueChunks, findJob, genericJobView, handlerRegistry, queueNames } from '@jabba/domain/engine';
import { createOrm, inTransaction, migrate, sqlOf } from '@jabba/domain/platform';
import { refuseEveryone } from '@jabba/domain/identity';
import { loadConfig, startWorker, workerSettingsOf } from '@jabba/worker';
import { ensureServices } from '../scripts/lib/services';

const { values } = parseArgs({ options: { tasks: { type: 'string', default: '100000' }, chunk: { type: 'string', default: '1000' }, mode: { type: 'string', default: 'batch' } } });
const mode = values.mode === 'each' ? 'each' : 'batch';
const n = Number(values.tasks);
const chunkSize = Number(values.chunk);
const server = process.env.BENCH_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432';
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

await ensureServices({ databaseUrl: `${server}/postgres`, redisUrl });
const admin = await createOrm({ databaseUrl: `${server}/postgres`, poolSize: 1 });
await sqlOf(admin.em).query('drop database if exists jabba_bench with (force)');
await sqlOf(admin.em).query('create database jabba_bench');
await admin.close(true);
const orm = await createOrm({ databaseUrl: `${server}/jabba_bench`, poolSize: 12 });
await migrate(orm);
const seconds = (since: number) => (performance.now() - since) / 1000;

// Baseline: COPY n rows, then mark them PROCESSED chunk by chunk with one UPDATE each.
const baselineJob = randomUUID();
let t = performance.now();
await inTransaction(orm.em, async ({ sql }) => {
  await sql.query(`insert into jobs (id, type, strategy, chunk_size) values ($1, 'baseline', 'CONCURRENT', $2)`, [baselineJob, chunkSize]);
  async function* rows() {
    for (let i = 1; i <= n; i += 1) yield `${baselineJob}\t${i}\tPENDING\n`;
  }
  await pipeline(Readable.from(rows()), sql.client.query(copyFrom('copy tasks (job_id, seq, status) from stdin')));
});
for (let from = 1; from <= n; from += chunkSize) {
  await inTransaction(orm.em, ({ sql }) => sql.query(
    `update tasks set status = 'PROCESSED', ended_at = now(), updated_at = now() where job_id = $1 and seq between $2 and $3`,
    [baselineJob, from, from + chunkSize - 1],
  ));
}
const baselineRate = n / seconds(t);

// Engine: create with COPY, enqueue chunks, two workers run them to the end.
const prefix = `bench${Date.now()}`;
const connections = [0, 1, 2].map(() => new Redis(redisUrl, { maxRetriesPerRequest: null }));
const logger = pino({ level: 'warn' });
const noop = defineJobType({
  type: 'noop', name: 'No-op', taskName: 'noop', strategy: 'CONCURRENT', chunkSize,
  jobMeta: z.null(), taskMeta: z.object({ line: z.number() }), taskInput: z.null(),
  graphqlType: genericJobView, access: { read: [refuseEveryone()], write: [refuseEveryone()] },
  handler: () => (mode === 'batch'
    ? { kind: 'batch' as const, run: async (batch: unknown[]) => batch.map(() => ({ ok: true as const })) }
    : { kind: 'each' as const, run: async () => undefined }),
});
const settings = { ...workerSettingsOf(loadConfig({})), prefix, concurrency: 2 };
const workers = await Promise.all([1, 2].map((i) => startWorker({
  ...settings, orm, connection: connections[i]!, logger, handlers: handlerRegistry([noop], {}), now: () => new Date(),
})));
const queue = new Queue(queueNames.tasks, { connection: connections[0]!, prefix });
t = performance.now();
async function* tasks() {
  for (let i = 1; i <= n; i += 1) yield { name: 'noop', meta: { line: i } };
}
const { job, chunks } = await createJob(orm.em, { type: 'noop', strategy: 'CONCURRENT', chunkSize, tasks: tasks() });
const createSeconds = seconds(t);
await enqueueChunks(queue, chunks);
for (;;) {
  const current = await findJob(orm.em, job.id);
  if (current?.status !== 'PENDING') {
    if (current?.status !== 'PROCESSED' || current.counters.PROCESSED !== n) throw new Error(`engine run ended wrong: ${JSON.stringify(current)}`);
    break;
  }
  await new Promise((r) => setTimeout(r, 50));
}
const total = seconds(t);
const engineRate = n / total;

await Promise.all(workers.map((w) => w.close(25_000)));
await queue.close();
await Promise.all(connections.map((c) => c.quit()));
await orm.close();

console.log(`engine create ${n} tasks: ${createSeconds.toFixed(2)} s, ${Math.round(n / createSeconds)} tasks/s`);
console.log(`engine ${n} tasks (${mode} handler) end to end: ${total.toFixed(2)} s, ${Math.round(engineRate)} tasks/s; baseline ${Math.round(baselineRate)} tasks/s; ratio ${(engineRate / baselineRate).toFixed(2)}`);
