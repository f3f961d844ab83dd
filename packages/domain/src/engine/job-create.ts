/**
 * Creating a job with its tasks in one transaction: insert the job, then COPY its tasks as they are
 * read. The transaction lasts as long as reading the tasks takes, so they must be local (in memory,
 * or on local disk): a client's upload is received first (`receive`, e.g. csv/upload-spool.ts),
 * so no client holds a connection for as long as it takes to send. Reading and COPY overlap: the
 * api turns records into rows on its core while Postgres stores the rows before them on another.
 * Returns the chunks to enqueue once that transaction has committed; if the process dies in
 * between, the reconciler finds the same chunks from Postgres.
 */
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { EntityManager } from '@mikro-orm/postgresql';
import { from as copyFrom } from 'pg-copy-streams';
import { CopyBuffer, DomainError, inTransaction, jsonb, sqlOf, type Sql, uuidv7 } from '../platform';
import type { JobStrategy, TaskStatus } from './status-rules';
import { defaultChunkSize } from './queues';
import { allChunks } from './chunks';
import { applyCounters } from './counters';
import { loadJob, type JobRecord, type JobWrite } from './job-writes';

export interface TaskInput {
  name?: string | null;
  meta?: Record<string, unknown> | null;
  /** What the handler works on, e.g. a raw CSV record (see `TaskToRun.input`). */
  input?: string | null;
  priority?: number;
}

export interface NewJob<T = TaskInput> {
  type: string;
  name?: string | null;
  strategy?: JobStrategy;
  meta?: Record<string, unknown> | null;
  clientId?: string | null;
  userId?: string | null;
  idempotencyKey?: string | null;
  chunkSize?: number;
  /**
   * Read inside the job's transaction, straight into COPY: a CONCURRENT job may have millions, so
   * they must come from memory or local disk (see `receive`). SEQUENTIALLY runs them in priority
   * order. If the iterable throws, nothing is created and the error propagates (e.g. a bad
   * upload's 422).
   */
  tasks: Iterable<T> | AsyncIterable<T>;
  /**
   * Receives what `tasks` reads before the transaction opens, once a replayed idempotency key has
   * been answered (which so never receives an upload twice), then runs `create` with its size in
   * bytes (COPY is given time by it). An upload spools itself to local disk here.
   */
  receive?: <R>(create: (bytes: number) => Promise<R>) => Promise<R>;
  /**
   * Turns each given task into the row to store (a typed submission parses it with its type's
   * schemas here); without it the given tasks are `TaskInput`s. It runs inside the loop that writes
   * the rows: one more async step per task measured 10-20 % of an upload's time.
   */
  toTask?: (task: T) => TaskInput;
  /**
   * Called once the tasks have been read; its fields are merged into `meta`. For facts that arrive
   * with the tasks (a CSV's header, a multipart form field after the file part); it may throw to
   * refuse the job.
   */
  completeMeta?: () => Record<string, unknown>;
  /**
   * Throws (a CONFLICT) when the job an idempotency key made, of this same type, was asked for
   * with something this request contradicts (a dry run replayed as a real import): a key answers
   * only the request it was made for, never silently another one.
   */
  checkReplay?: (job: JobRecord) => void;
}

interface Counts {
  total: number;
  pending: number;
}

async function sortedByPriority<T>(tasks: NewJob<T>['tasks'], toTask: (task: T) => TaskInput): Promise<TaskInput[]> {
  const all: TaskInput[] = [];
  for await (const task of tasks) all.push(toTask(task));
  // Array.prototype.sort is stable: equal priorities keep the order they were given in.
  return all.sort((a, b) => (a.priority ?? 0) - (b.priority ?? 0));
}

async function* copyRows<T>(
  jobId: string, tasks: NewJob<T>['tasks'], toTask: (task: T) => TaskInput, firstPending: (seq: number) => boolean, counts: Counts,
): AsyncIterable<Buffer> {
  const rows = new CopyBuffer();
  for await (const given of tasks) {
    const task = toTask(given);
    counts.total += 1;
    const status: TaskStatus = firstPending(counts.total) ? 'PENDING' : 'NEW';
    if (status === 'PENDING') counts.pending += 1;
    rows.add([uuidv7(), jobId, counts.total, task.name ?? null, task.priority ?? 0, status, jsonb(task.meta), task.input ?? null]);
    if (rows.full) yield rows.take();
  }
  if (!rows.empty) yield rows.take();
}

/** The job an earlier request of the same client created with this idempotency key, if any. */
async function jobOfKey(
  sql: Sql, { clientId, idempotencyKey, type, checkReplay }: Pick<NewJob<unknown>, 'clientId' | 'idempotencyKey' | 'type' | 'checkReplay'>,
): Promise<JobRecord | null> {
  if (!clientId || !idempotencyKey) return null;
  const [existing] = await sql.query<{ id: string }>(`select id from jobs where client_id = $1 and idempotency_key = $2`, [clientId, idempotencyKey]);
  const job = existing ? await loadJob(sql, existing.id) : null;
  // A client's keys are one namespace across every endpoint that takes them: a key replayed on
  // another kind of upload is a mistake, never an answer with a job of another type.
  if (job && job.type !== type) throw new DomainError('CONFLICT', `The idempotency key was already used for a job of another type (${job.type})`);
  if (job) checkReplay?.(job);
  return job;
}

/**
 * COPY reads local data, so its time grows with the file and not with any client. The session's
 * statement timeout (the api sets one) is raised for this transaction by a second per started MiB,
 * some 30 times what reading and COPY take, so a large upload is not cancelled; a session without
 * a statement timeout keeps none.
 */
async function allowCopyTime(sql: Sql, bytes: number): Promise<void> {
  await sql.query(
    `select set_config('statement_timeout', (setting::bigint + $1)::text, true) from pg_settings where name = 'statement_timeout' and setting <> '0'`,
    [Math.ceil(bytes / (1 << 20)) * 1000],
  );
}

const insertJob = `insert into jobs (id, name, type, strategy, meta, client_id, user_id, idempotency_key, chunk_size)
  values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
  on conflict (client_id, idempotency_key) where idempotency_key is not null do nothing
  returning id`;

/** Creates the job and its tasks; returns the chunks to enqueue after commit. */
export async function createJob<T = TaskInput>(em: EntityManager, input: NewJob<T>): Promise<JobWrite> {
  const strategy = input.strategy ?? 'SEQUENTIALLY';
  const chunkSize = input.chunkSize ?? defaultChunkSize;
  // A replay is answered before its tasks are received: a retried upload is not received twice.
  const replayed = await jobOfKey(sqlOf(em), input);
  if (replayed) return { job: replayed, created: false, chunks: [] };

  const receive = input.receive ?? ((create) => create(0));
  return receive((bytes) => inTransaction(em, async ({ sql }) => {
    const jobId = randomUUID();
    const [inserted] = await sql.query<{ id: string }>(insertJob, [
      jobId, input.name ?? null, input.type, strategy, input.meta ?? null, input.clientId ?? null, input.userId ?? null, input.idempotencyKey ?? null, chunkSize,
    ]);
    if (!inserted) {
      // Another request with the same key committed while this one was receiving its tasks.
      const job = await jobOfKey(sql, input);
      if (!job) throw new Error('idempotency key conflict without a job');
      return { job, created: false, chunks: [] };
    }
    await allowCopyTime(sql, bytes);
    const counts: Counts = { total: 0, pending: 0 };
    // SEQUENTIALLY: only the first chunk is handed to the queue; the rest wait as NEW for their turn.
    const toTask = input.toTask ?? ((task: T) => task as TaskInput);
    const firstPending = strategy === 'SEQUENTIALLY' ? (seq: number) => seq <= chunkSize : () => true;
    const rows = strategy === 'SEQUENTIALLY'
      ? copyRows(jobId, await sortedByPriority(input.tasks, toTask), (task) => task, firstPending, counts)
      : copyRows(jobId, input.tasks, toTask, firstPending, counts);
    await pipeline(Readable.from(rows, { objectMode: false }), sql.client.query(copyFrom('copy tasks (id, job_id, seq, name, priority, status, meta, input) from stdin')));
    if (input.completeMeta) {
      await sql.query('update jobs set meta = $2 where id = $1', [jobId, { ...input.meta, ...input.completeMeta() }]);
    }
    const { total, pending } = counts;
    await applyCounters(sql, jobId, { total, PENDING: pending, NEW: total - pending });
    const job = (await loadJob(sql, jobId))!;
    const chunks = strategy === 'SEQUENTIALLY' ? allChunks(job, Math.min(total, chunkSize)) : allChunks(job, total);
    return { job, created: true, chunks };
  }));
}
