/**
 * Runs one chunk of a job's tasks. Everything happens in ONE transaction: claim the chunk's PENDING
 * tasks (row locks), run each task's handler under a savepoint, write every outcome with one
 * set-based UPDATE, move the job's counters, end the job if it is done, and (SEQUENTIALLY) hand the
 * next chunk to the queue or abort the rest. A redelivered or duplicate message finds the tasks
 * locked or no longer PENDING and changes nothing; a crash rolls everything back for redelivery.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { abortableTaskStatuses, type JobStatus } from './status-rules';
import type { TaskChunkPayload } from './queues';
import type { JobInfo, StoredTask } from './handler';
import { inTransaction, type Logger, type Sql } from '../platform';
import { applyCounters, mergeDeltas, type CounterDeltas } from './counters';
import { abortTasks, loadJob, nextPiece, promoteNextChunk } from './job-writes';
import type { Executor, Final, Outcome } from './executor';

type OutcomeRow = Outcome & { id: string };

export interface ChunkReport {
  /** Why nothing ran, when nothing did. */
  skipped?: 'job-not-found' | 'job-ended' | 'stale-epoch';
  /** The job's type, once the job was found: the worker's metrics are labelled by it. */
  jobType?: string;
  ran: number;
  outcomes: Record<Final, number>;
  jobStatus?: JobStatus;
  jobEndedNow: boolean;
  /** Chunks to enqueue after commit (the next step of a SEQUENTIALLY job). */
  followUps: TaskChunkPayload[];
}

const empty = (skipped?: ChunkReport['skipped']): ChunkReport => ({
  skipped, ran: 0, outcomes: { PROCESSED: 0, FAILED: 0, RESCUED: 0 }, jobEndedNow: false, followUps: [],
});

async function claim(sql: Sql, job: JobInfo, p: TaskChunkPayload): Promise<StoredTask[]> {
  // CONCURRENT skips rows another worker holds; SEQUENTIALLY must wait for them to keep the order.
  const lock = job.strategy === 'CONCURRENT' ? 'for update skip locked' : 'for update';
  return sql.query<StoredTask>(
    `select id, seq, name, priority, meta, input from tasks
     where job_id = $1 and seq between $2 and $3 and status = 'PENDING' order by seq ${lock}`,
    [p.jobId, p.fromSeq, p.toSeq],
  );
}

async function writeOutcomes(sql: Sql, outcomes: OutcomeRow[]): Promise<number> {
  if (outcomes.length === 0) return 0;
  // One JSON document for the whole chunk: serialising it is one native call, and Postgres parses
  // it once, where array parameters cost an escape per element on each side.
  const rows = await sql.query(
    `update tasks t set status = v.status, result = v.result, error = v.error,
       meta = case when v.meta is null then t.meta else coalesce(t.meta, '{}'::jsonb) || v.meta end,
       ended_at = now(), updated_at = now()
     from jsonb_to_recordset($1::jsonb) as v(id uuid, status text, result jsonb, error jsonb, meta jsonb)
     where t.id = v.id and t.status = 'PENDING' returning t.id`,
    [JSON.stringify(outcomes.map(({ id, status, result, error, meta }) => ({ id, status, result, error, meta })))],
  );
  return rows.length;
}

export function runChunk(em: EntityManager, payload: TaskChunkPayload, execute: Executor, logger: Logger): Promise<ChunkReport> {
  return inTransaction(em, async ({ em: txEm, sql }) => {
    const job = await loadJob(sql, payload.jobId);
    if (!job) return empty('job-not-found');
    if (job.status !== 'PENDING') return { ...empty('job-ended'), jobType: job.type };
    if (job.epoch !== payload.epoch) return { ...empty('stale-epoch'), jobType: job.type };

    const tasks = await claim(sql, job, payload);
    const ctx = { job, em: txEm, sql, logger: logger.child({ jobId: job.id }) };
    const outcomes: OutcomeRow[] = (await execute(tasks, ctx, job.strategy === 'SEQUENTIALLY')).map((o, i) => ({ ...o, id: tasks[i]!.id }));
    const written = await writeOutcomes(sql, outcomes);
    if (written !== outcomes.length) throw new Error(`chunk ${payload.fromSeq} of job ${job.id}: claimed tasks changed under their lock`);

    const report: ChunkReport = { ...empty(), jobType: job.type };
    for (const o of outcomes) report.outcomes[o.status] += 1;
    report.ran = outcomes.length;
    let deltas: CounterDeltas = { PENDING: -outcomes.length, ...report.outcomes };
    if (job.strategy === 'SEQUENTIALLY' && outcomes.length > 0) {
      const failed = outcomes.at(-1)!.status !== 'PROCESSED';
      if (failed) {
        // The first failure aborts every task not yet run, queued or waiting.
        deltas = mergeDeltas(deltas, await abortTasks(sql, job.id, abortableTaskStatuses));
      } else {
        // A piece of a split chunk leaves the rest of its chunk to run first, as the next piece.
        const piece = payload.piece ? await nextPiece(sql, job, payload.toSeq) : undefined;
        const { deltas: promoted, next } = piece ? { deltas: {}, next: piece } : await promoteNextChunk(sql, job);
        deltas = mergeDeltas(deltas, promoted);
        if (next) report.followUps.push(next);
      }
    }
    const progress = await applyCounters(sql, job.id, deltas);
    report.jobStatus = progress.status;
    report.jobEndedNow = progress.endedNow;
    // The attempts of an ended job's chunks count for nothing more (a retry starts a new epoch).
    if (progress.endedNow) await sql.query('delete from chunk_attempts where job_id = $1', [job.id]);
    return report;
  });
}
