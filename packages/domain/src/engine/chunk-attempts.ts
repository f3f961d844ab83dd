/**
 * Poison records (issue 14). A record whose handler kills its worker (a native crash, memory, an
 * exit) never fails its chunk: the chunk is redelivered to the next worker, which dies too. BullMQ
 * counts in Redis, and starts again whenever the reconciler re-adds a chunk; so the engine counts in
 * Postgres. Each start of a range commits one more attempt before the range runs. Past the limit the
 * range is not run again but split: its PENDING tasks in halves, each half a piece with a count of
 * its own, until the piece that still fails is one task, which past its own attempts ends RESCUED
 * (a generic message and an error id, as every RESCUED task). A SEQUENTIALLY job's pieces run in
 * order: the next piece is queued once the one before it is done (chunk-runner.ts).
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { sqlOf, type Logger } from '../platform';
import { runChunk, type ChunkReport } from './chunk-runner';
import { rescueExecutor } from './executor';
import type { TaskChunkPayload } from './queues';
import type { JobStrategy } from './status-rules';

const keyOf = (p: TaskChunkPayload): unknown[] => [p.jobId, p.epoch, p.fromSeq, p.toSeq];

/** How often the range of `p` was started so far, in this epoch; 0 if never. */
export async function chunkAttempts(em: EntityManager, p: TaskChunkPayload): Promise<number> {
  const [row] = await sqlOf(em).query<{ attempts: number }>(
    `select attempts from chunk_attempts where job_id = $1 and epoch = $2 and from_seq = $3 and to_seq = $4`, keyOf(p),
  );
  return row?.attempts ?? 0;
}

/**
 * Counts one more start of `p`'s range in a statement of its own, committed when this returns (call
 * it outside any transaction), so that the start still counts if the process dies while the range
 * runs. Answers the count, or 0 when the job is gone, has ended or is in another epoch: nothing of
 * it will run then.
 */
export async function countChunkAttempt(em: EntityManager, p: TaskChunkPayload): Promise<number> {
  const [row] = await sqlOf(em).query<{ attempts: number }>(
    `insert into chunk_attempts (job_id, epoch, from_seq, to_seq, attempts)
     select id, $2, $3, $4, 1 from jobs where id = $1 and status = 'PENDING' and epoch = $2
     on conflict (job_id, epoch, from_seq, to_seq) do update set attempts = chunk_attempts.attempts + 1, last_attempt_at = now()
     returning attempts`,
    keyOf(p),
  );
  return row?.attempts ?? 0;
}

/** `from` < `to`: the two halves of from…to, as pieces of `p`'s job and epoch. */
export function halves(p: TaskChunkPayload, from: number, to: number): [TaskChunkPayload, TaskChunkPayload] {
  const middle = Math.floor((from + to) / 2);
  const piece = (fromSeq: number, toSeq: number): TaskChunkPayload => ({ jobId: p.jobId, epoch: p.epoch, fromSeq, toSeq, piece: true });
  return [piece(from, middle), piece(middle + 1, to)];
}

export interface Narrowed {
  /** The pieces to queue instead of `p` (none when one task was rescued or nothing is left). */
  pieces: TaskChunkPayload[];
  /** When the last task left was rescued: what that did. */
  rescued?: ChunkReport;
}

interface PendingRange {
  strategy: JobStrategy;
  from: number | null;
  to: number | null;
}

/**
 * `p` was started more often than allowed: its PENDING tasks are split in halves (a SEQUENTIALLY
 * job queues only the first), or, when `p` is that one task, it ends RESCUED by `cause`.
 */
export async function narrowChunk(em: EntityManager, p: TaskChunkPayload, cause: Error, logger: Logger): Promise<Narrowed> {
  const [range] = await sqlOf(em).query<PendingRange>(
    `select j.strategy, min(t.seq) as "from", max(t.seq) as "to"
     from jobs j left join tasks t on t.job_id = j.id and t.status = 'PENDING' and t.seq between $3 and $4
     where j.id = $1 and j.status = 'PENDING' and j.epoch = $2
     group by j.id`,
    keyOf(p),
  );
  if (!range || range.from === null || range.to === null) return { pieces: [] };
  // A task is RESCUED only once it failed its own attempts, alone: a wider range with one task left
  // (the others done by its pieces) hands that task to a piece of its own, which counts afresh.
  if (range.from === range.to) {
    if (p.fromSeq !== p.toSeq) return { pieces: [{ jobId: p.jobId, epoch: p.epoch, fromSeq: range.from, toSeq: range.from, piece: true }] };
    return { pieces: [], rescued: await runChunk(em, p, rescueExecutor(cause), logger) };
  }
  const [first, second] = halves(p, range.from, range.to);
  return { pieces: range.strategy === 'SEQUENTIALLY' ? [first] : [first, second] };
}
