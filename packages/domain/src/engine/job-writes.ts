/**
 * Writing jobs: load, cancel, retry failed tasks, promote the next chunk (creating one is
 * job-create.ts). Each returns the chunks to enqueue once its transaction has committed; if the
 * process dies in between, the reconciler finds the same chunks from Postgres.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { DomainError, inTransaction, type Sql } from '../platform';
import { abortableTaskStatuses, assertCancellable, assertRetryable, failedTaskStatuses, type JobStatus, type JobStrategy, type TaskCounters, type TaskStatus } from './status-rules';
import type { TaskChunkPayload } from './queues';
import { chunkOf, chunksCovering } from './chunks';
import { applyCounters, countBy, countersColumns, mergeDeltas, moved, type CounterDeltas } from './counters';

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

/**
 * SEQUENTIALLY, after a piece of a split chunk (chunk-attempts.ts) is done: the rest of that chunk's
 * PENDING tasks, as the next piece, which must run before the next chunk is promoted.
 */
export async function nextPiece(sql: Sql, job: { id: string; epoch: number }, afterSeq: number): Promise<TaskChunkPayload | undefined> {
  const [rest] = await sql.query<{ from: number | null; to: number | null }>(
    `select min(seq) as "from", max(seq) as "to" from tasks where job_id = $1 and status = 'PENDING' and seq > $2`, [job.id, afterSeq],
  );
  if (!rest || rest.from === null || rest.to === null) return undefined;
  return { jobId: job.id, epoch: job.epoch, fromSeq: rest.from, toSeq: rest.to, piece: true };
}
