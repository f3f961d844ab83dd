/**
 * Postgres is the truth, Redis only the transport. The reconciler lists, from Postgres alone, every
 * chunk that still has PENDING tasks in an unfinished job; re-adding them is harmless because chunk
 * job ids are deterministic (a chunk still queued or running is not added twice).
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { TaskChunkPayload } from './queues';
import type { JobStrategy } from './status-rules';
import { chunkOf } from './chunks';
import { applyCounters } from './counters';
import { promoteNextChunk } from './job-writes';
import { inTransaction, type Sql } from '../platform';

interface UnfinishedJob {
  id: string;
  epoch: number;
  chunkSize: number;
  strategy: JobStrategy;
  pending: number;
  new: number;
}

/**
 * One probe per chunk instead of a scan of every PENDING task: a recursive "loose index scan" on
 * (job_id, status, seq) jumps from each chunk to the first PENDING task past it.
 */
const pendingChunkStarts = `
  with recursive c(seq) as (
    (select seq from tasks where job_id = $1 and status = 'PENDING' order by seq limit 1)
    union all
    select (select t.seq from tasks t
            where t.job_id = $1 and t.status = 'PENDING' and t.seq > ((c.seq - 1) / $2 + 1) * $2
            order by t.seq limit 1)
    from c where c.seq is not null
  )
  select seq from c where seq is not null`;

async function chunksOf(sql: Sql, job: UnfinishedJob): Promise<TaskChunkPayload[]> {
  const rows = await sql.query<{ seq: number }>(pendingChunkStarts, [job.id, job.chunkSize]);
  return rows.map((r) => chunkOf(job, r.seq));
}

/** A SEQUENTIALLY job with NEW tasks but nothing queued has lost its next step: queue it again. */
async function resumeStalledSequence(sql: Sql, job: UnfinishedJob): Promise<TaskChunkPayload[]> {
  const [locked] = await sql.query<{ pending: number }>(`select tasks_pending as pending from jobs where id = $1 and status = 'PENDING' for update`, [job.id]);
  if (!locked || locked.pending > 0) return [];
  const { deltas, next } = await promoteNextChunk(sql, job);
  if (!next) return [];
  await applyCounters(sql, job.id, deltas);
  return [next];
}

export async function chunksToReconcile(em: EntityManager): Promise<TaskChunkPayload[]> {
  const jobs = await inTransaction(em, ({ sql }) =>
    sql.query<UnfinishedJob>(
      `select id, epoch, chunk_size as "chunkSize", strategy, tasks_pending as pending, tasks_new as new
       from jobs where status = 'PENDING' order by inserted_at`,
    ),
  );
  const chunks: TaskChunkPayload[] = [];
  for (const job of jobs) {
    if (job.pending > 0) chunks.push(...(await inTransaction(em, ({ sql }) => chunksOf(sql, job))));
    else if (job.strategy === 'SEQUENTIALLY' && job.new > 0) chunks.push(...(await inTransaction(em, ({ sql }) => resumeStalledSequence(sql, job))));
  }
  return chunks;
}
