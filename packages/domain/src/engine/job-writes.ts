/**
 * Writing jobs: create with tasks in bulk (COPY), cancel, retry failed tasks. Each returns the chunks
 * to enqueue once its transaction has committed; if the process dies in between, the reconciler
 * finds the same chunks from Postgres.
 */
import { randomUUID } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import type { EntityManager } from '@mikro-orm/postgresql';
import { from as copyFrom } from 'pg-copy-streams';
import { copyRow, DomainError, inTransaction, jsonb, type Sql, type TxSql } from '../platform';
import { abortableTaskStatuses, assertCancellable, assertRetryable, failedTaskStatuses, type JobStatus, type JobStrategy, type TaskCounters, type TaskStatus } from './status-rules';
import { defaultChunkSize, type TaskChunkPayload } from './queues';
import { allChunks, chunkOf, chunksCovering } from './chunks';
import { applyCounters, countBy, countersColumns, mergeDeltas, moved, type CounterDeltas } from './counters';

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
   * Streamed into COPY: a CONCURRENT job may have millions. SEQUENTIALLY runs them in priority order.
   * If the iterable throws, nothing is created and the error propagates (e.g. a bad upload's 422).
   */
  tasks: Iterable<T> | AsyncIterable<T>;
  /**
   * Turns each given task into the row to store (a typed submission parses it with its type's
   * schemas here); without it the given tasks are `TaskInput`s. It runs inside the loop that writes
   * the COPY: one more async step per task measured 10-20 % of an upload's time.
   */
  toTask?: (task: T) => TaskInput;
  /**
   * Called once the tasks have streamed; its fields are merged into `meta`. For facts that arrive
   * after the tasks (a multipart form field after the file part); it may throw to refuse the job.
   */
  completeMeta?: () => Record<string, unknown>;
}

export interface JobRecord {
  id: string;
  type: string;
  strategy: JobStrategy;
  status: JobStatus;
  epoch: number;
  chunkSize: number;
  clientId: string | null;
  userId: string | null;
  meta: Record<string, unknown> | null;
  counters: TaskCounters;
}

export interface JobWrite {
  job: JobRecord;
  /** False when an earlier job with the same client and idempotency key was returned instead. */
  created: boolean;
  chunks: TaskChunkPayload[];
}

const jobColumns = `id, type, strategy, status, epoch, chunk_size as "chunkSize", client_id as "clientId", user_id as "userId", meta, ${countersColumns}`;

type JobRow = Omit<JobRecord, 'counters'> & TaskCounters;

function toRecord(row: JobRow): JobRecord {
  const { id, type, strategy, status, epoch, chunkSize, clientId, userId, meta, ...counters } = row;
  return { id, type, strategy, status, epoch, chunkSize, clientId, userId, meta, counters };
}

export async function loadJob(sql: Sql, jobId: string, lock = false): Promise<JobRecord | null> {
  const [row] = await sql.query<JobRow>(`select ${jobColumns} from jobs where id = $1${lock ? ' for update' : ''}`, [jobId]);
  return row ? toRecord(row) : null;
}

async function sortedByPriority<T>(tasks: NewJob<T>['tasks'], toTask: (task: T) => TaskInput): Promise<TaskInput[]> {
  const all: TaskInput[] = [];
  for await (const task of tasks) all.push(toTask(task));
  // Array.prototype.sort is stable: equal priorities keep the order they were given in.
  return all.sort((a, b) => (a.priority ?? 0) - (b.priority ?? 0));
}

async function copyTasks<T>(
  sql: TxSql, jobId: string, tasks: NewJob<T>['tasks'], toTask: (task: T) => TaskInput, firstPending: (seq: number) => boolean,
): Promise<{ total: number; pending: number }> {
  let total = 0;
  let pending = 0;
  async function* lines(): AsyncIterable<string> {
    let buffer = '';
    for await (const given of tasks) {
      const task = toTask(given);
      total += 1;
      const status: TaskStatus = firstPending(total) ? 'PENDING' : 'NEW';
      if (status === 'PENDING') pending += 1;
      buffer += copyRow([jobId, total, task.name ?? null, task.priority ?? 0, status, jsonb(task.meta), task.input ?? null]);
      // Fewer, larger writes: COPY throughput is bound by per-chunk overhead below ~64 KiB.
      if (buffer.length >= 1 << 16) {
        yield buffer;
        buffer = '';
      }
    }
    if (buffer) yield buffer;
  }
  const copy = sql.client.query(copyFrom('copy tasks (job_id, seq, name, priority, status, meta, input) from stdin'));
  await pipeline(Readable.from(lines()), copy);
  return { total, pending };
}

/** Creates the job and its tasks in one transaction; returns the chunks to enqueue after commit. */
export async function createJob<T = TaskInput>(em: EntityManager, input: NewJob<T>): Promise<JobWrite> {
  const strategy = input.strategy ?? 'SEQUENTIALLY';
  const chunkSize = input.chunkSize ?? defaultChunkSize;
  return inTransaction(em, async ({ sql }) => {
    const [inserted] = await sql.query<{ id: string }>(
      `insert into jobs (id, name, type, strategy, meta, client_id, user_id, idempotency_key, chunk_size)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       on conflict (client_id, idempotency_key) where idempotency_key is not null do nothing
       returning id`,
      [randomUUID(), input.name ?? null, input.type, strategy, input.meta ?? null, input.clientId ?? null, input.userId ?? null, input.idempotencyKey ?? null, chunkSize],
    );
    if (!inserted) {
      const [existing] = await sql.query<{ id: string }>(`select id from jobs where client_id = $1 and idempotency_key = $2`, [input.clientId, input.idempotencyKey]);
      const job = existing && (await loadJob(sql, existing.id));
      if (!job) throw new Error('idempotency key conflict without a job');
      // A client's keys are one namespace across every endpoint that takes them: a key replayed on
      // another kind of upload is a mistake, never an answer with a job of another type.
      if (job.type !== input.type) throw new DomainError('CONFLICT', `The idempotency key was already used for a job of another type (${job.type})`);
      return { job, created: false, chunks: [] };
    }
    // SEQUENTIALLY: only the first chunk is handed to the queue; the rest wait as NEW for their turn.
    const toTask = input.toTask ?? ((task: T) => task as TaskInput);
    const firstPending = strategy === 'SEQUENTIALLY' ? (seq: number) => seq <= chunkSize : () => true;
    const { total, pending } = strategy === 'SEQUENTIALLY'
      ? await copyTasks(sql, inserted.id, await sortedByPriority(input.tasks, toTask), (task) => task, firstPending)
      : await copyTasks(sql, inserted.id, input.tasks, toTask, firstPending);
    if (input.completeMeta) {
      await sql.query(`update jobs set meta = coalesce(meta, '{}'::jsonb) || $2 where id = $1`, [inserted.id, jsonb(input.completeMeta())]);
    }
    await applyCounters(sql, inserted.id, { total, PENDING: pending, NEW: total - pending });
    const job = (await loadJob(sql, inserted.id))!;
    const chunks = strategy === 'SEQUENTIALLY' ? allChunks(job, Math.min(total, chunkSize)) : allChunks(job, total);
    return { job, created: true, chunks };
  });
}

/** Moves every task of `jobId` in `from` (locked in seq order, the engine's lock order) to ABORTED. */
export async function abortTasks(sql: Sql, jobId: string, from: readonly TaskStatus[], afterSeq = 0) {
  const rows = await sql.query<{ from: TaskStatus }>(
    `with doomed as (
       select id, status from tasks where job_id = $1 and status = any($2) and seq > $3 order by seq for update
     )
     update tasks t set status = 'ABORTED', ended_at = now(), updated_at = now()
     from doomed where t.id = doomed.id returning doomed.status as "from"`,
    [jobId, from, afterSeq],
  );
  return moved(countBy(rows, (r) => r.from), 'ABORTED');
}

/** Cancels a running job: tasks not yet run become ABORTED and the job ends FAILED. */
export async function cancelJob(em: EntityManager, jobId: string): Promise<JobRecord> {
  return inTransaction(em, async ({ sql }) => {
    const job = await loadJob(sql, jobId);
    if (!job) throw new DomainError('NOT_FOUND', `Job ${jobId} not found`);
    assertCancellable(jobId, job.status);
    // Tasks a worker is running right now are locked; we wait for them and skip them once final.
    await applyCounters(sql, jobId, await abortTasks(sql, jobId, abortableTaskStatuses));
    return (await loadJob(sql, jobId))!;
  });
}

/**
 * Puts FAILED and RESCUED tasks back on the queue; PROCESSED ones are never run again. A
 * SEQUENTIALLY job resumes from its first failed task: the tasks it aborted go back to NEW.
 */
export async function retryFailedTasks(em: EntityManager, jobId: string): Promise<JobWrite> {
  return inTransaction(em, async ({ sql }) => {
    const before = await loadJob(sql, jobId, true);
    if (!before) throw new DomainError('NOT_FOUND', `Job ${jobId} not found`);
    assertRetryable(jobId, before.status, before.counters);
    const [job] = await sql.query<{ epoch: number }>(
      `update jobs set status = 'PENDING', ended_at = null, epoch = epoch + 1, updated_at = now() where id = $1 returning epoch`,
      [jobId],
    );
    const next = { ...before, status: 'PENDING' as const, epoch: job!.epoch };
    const retried = await sql.query<{ from: TaskStatus; seq: number }>(
      `with again as (select id, status, seq from tasks where job_id = $1 and status = any($2) order by seq for update)
       update tasks t set status = 'PENDING', error = null, result = null, ended_at = null, updated_at = now()
       from again where t.id = again.id returning again.status as "from", again.seq`,
      [jobId, failedTaskStatuses],
    );
    let deltas = moved(countBy(retried, (r) => r.from), 'PENDING');
    let chunks = chunksCovering(next, retried.map((r) => r.seq));
    if (before.strategy === 'SEQUENTIALLY') {
      const first = Math.min(...retried.map((r) => r.seq));
      const firstChunk = chunkOf(next, first);
      const resumed = await sql.query<{ status: TaskStatus }>(
        `update tasks set status = case when seq <= $3 then 'PENDING' else 'NEW' end, ended_at = null, updated_at = now()
         where job_id = $1 and status = 'ABORTED' and seq > $2 returning status`,
        [jobId, first, firstChunk.toSeq],
      );
      const queued = resumed.filter((r) => r.status === 'PENDING').length;
      deltas = mergeDeltas(deltas, { ABORTED: -resumed.length, PENDING: queued, NEW: resumed.length - queued });
      chunks = [firstChunk];
    }
    await applyCounters(sql, jobId, deltas);
    return { job: (await loadJob(sql, jobId))!, created: false, chunks };
  });
}

/** SEQUENTIALLY: hands the chunk holding the next NEW task to the queue (NEW → PENDING). */
export async function promoteNextChunk(sql: Sql, job: { id: string; epoch: number; chunkSize: number }): Promise<{ deltas: CounterDeltas; next?: TaskChunkPayload }> {
  const [first] = await sql.query<{ seq: number | null }>(`select min(seq) as seq from tasks where job_id = $1 and status = 'NEW'`, [job.id]);
  if (!first || first.seq === null) return { deltas: {} };
  const next = chunkOf(job, first.seq);
  const promoted = await sql.query(
    `update tasks set status = 'PENDING', updated_at = now() where job_id = $1 and status = 'NEW' and seq between $2 and $3 returning id`,
    [job.id, next.fromSeq, next.toSeq],
  );
  return { deltas: { NEW: -promoted.length, PENDING: promoted.length }, next };
}
