/**
 * An engine under test: a database cloned from the migrated template, a BullMQ prefix of its own,
 * workers started in-process with test handlers, and helpers to submit jobs and read their state.
 */
import { Writable } from 'node:stream';
import { expect, inject } from 'vitest';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { createLogger, createOrm, type Logger, type Orm } from '@jabba/domain/platform';
import { findJob, type HandlerRegistry, type JobRecord, type JobRow, type NewJob, queueNames, submitJob } from '@jabba/domain/engine';
import { cloneDatabase, type TestDatabase } from '#test/postgres';
import { connectRedis, testPrefix } from '#test/redis';
import { waitFor } from '#test/wait-for';
import { loadConfig } from '../src/config';
import { startWorker, workerSettingsOf, type RunningWorker, type WorkerDeps } from '../src/worker';

export interface LogLine {
  msg: string;
  jobId?: string;
  [key: string]: unknown;
}

export interface Engine {
  orm: Orm;
  db: TestDatabase;
  redis: Redis;
  prefix: string;
  queue: Queue;
  logs: LogLine[];
  /** The workers' logger, whose lines land in `logs`. */
  logger: Logger;
  startWorker(handlers: HandlerRegistry, options?: Partial<WorkerDeps>): Promise<RunningWorker>;
  submit(job: NewJob): Promise<JobRecord>;
  job(id: string): Promise<JobRow>;
  waitForEnd(id: string, timeout?: number): Promise<JobRow>;
  tasks(id: string): Promise<{ seq: number; status: string; error: unknown; meta: Record<string, unknown> | null; ended_at: Date | null }[]>;
  /**
   * The message of the exception a RESCUED task's stored error stands for, from the one log line
   * with its error id (the task itself shows only a generic message with that id).
   */
  exceptionOf(taskError: unknown): string;
  /** Asserts stored counters equal a count over the tasks table (tests only: it is O(tasks)). */
  countersMatchTasks(id: string): Promise<boolean>;
  close(): Promise<void>;
}

export async function createEngine(): Promise<Engine> {
  const db = await cloneDatabase(inject('templateDatabase'));
  const orm = await createOrm({ databaseUrl: db.url, poolSize: 20 });
  const redis = connectRedis();
  const prefix = testPrefix();
  const queue = new Queue(queueNames.tasks, { connection: redis, prefix });
  const logs: LogLine[] = [];
  const sink = new Writable({ write(chunk: Buffer, _enc, done) { logs.push(JSON.parse(chunk.toString()) as LogLine); done(); } });
  // The processes' own logger (its `err` serializer included), writing into `logs`.
  const logger = createLogger('debug', 'worker', sink);
  const workers: { worker: RunningWorker; connection: Redis }[] = [];

  const sqlRows = async <R>(text: string, values: unknown[] = []): Promise<R[]> => (await orm.em.fork().getConnection().execute(text, values)) as R[];

  const engine: Engine = {
    orm, db, redis, prefix, queue, logs, logger,
    async startWorker(handlers, options = {}) {
      const connection = connectRedis();
      const worker = await startWorker({
        // The worker's own defaults, as an unset environment gives them.
        ...workerSettingsOf(loadConfig({})), prefix, concurrency: 2,
        orm, connection, logger: logger.child({ worker: workers.length }), handlers, now: () => new Date(), ...options,
      });
      workers.push({ worker, connection });
      return worker;
    },
    submit: async (job) => (await submitJob(orm.em, queue, job)).job,
    async job(id) {
      const record = await findJob(orm.em, id);
      if (!record) throw new Error(`no job ${id}`);
      return record;
    },
    async waitForEnd(id, timeout = 10_000) {
      return waitFor(async () => { const j = await engine.job(id); return j.status !== 'PENDING' ? j : undefined; }, { timeout, what: `job ${id} to end` });
    },
    exceptionOf(taskError) {
      const { message, extensions } = taskError as { message: string; extensions: { code: string; errorId: string } };
      expect(extensions.code).toBe('INTERNAL_ERROR');
      expect(message).toBe(`An unexpected error occurred; quote error id ${extensions.errorId} to your operator`);
      const lines = logs.filter((l) => l.errorId === extensions.errorId);
      expect(lines).toHaveLength(1);
      return (lines[0]!.err as { message: string }).message;
    },
    tasks: (id) => sqlRows(`select seq, status, error, meta, ended_at from tasks where job_id = ? order by seq`, [id]),
    async countersMatchTasks(id) {
      const job = await engine.job(id);
      const rows = await sqlRows<{ status: keyof JobRow['counters']; n: string }>(`select status, count(*) as n from tasks where job_id = ? group by status`, [id]);
      const actual: Record<string, number> = { total: 0 };
      for (const r of rows) { actual[r.status] = Number(r.n); actual.total! += Number(r.n); }
      return Object.entries(job.counters).every(([k, v]) => (actual[k] ?? 0) === v);
    },
    async close() {
      for (const { worker, connection } of workers) {
        await worker.close(5_000);
        await connection.quit();
      }
      await queue.close();
      await redis.quit();
      await orm.close(true);
      await db.drop();
    },
  };
  return engine;
}

/** Test handlers: meta.action says what the task does; each PROCESSED task leaves one effect row. */
export async function createEffectsTable(orm: Orm): Promise<void> {
  await orm.em.fork().getConnection().execute(
    `create table effects (id bigserial primary key, task_id uuid not null, seq int not null, worker text)`,
  );
}
