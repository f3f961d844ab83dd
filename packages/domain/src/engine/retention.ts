/**
 * Retention of ended jobs: a job that ended before the cutoff is deleted with its tasks (their raw
 * inputs hold personal data). Tasks go in bounded batches, one short autocommitted statement each,
 * so no statement holds a lock for long and a crash resumes where it stopped (the job row goes
 * last: it is still there, still old). Only `tasks` references `jobs`; merge review and the audit
 * log point at persons and candidates, never at a job, and are not touched.
 */
import type { Sql } from '../platform';
import { taskStatuses } from './status-rules';

export interface RetentionOptions {
  /** Jobs that ended strictly before this instant are deleted. */
  cutoff: Date;
  /** Tasks deleted per statement. */
  batchSize: number;
  /** Called after each statement with its duration, for the benchmark and the run's record. */
  onStatement?: (ms: number, deleted: number) => void;
}

export interface RetentionResult {
  jobsDeleted: number;
  tasksDeleted: number;
  statements: number;
  longestStatementMs: number;
}

/** Jobs fetched per look-up; each is then deleted to the end before the next look-up. */
const jobsPerLookup = 100;

const counterOf = (status: string) => `tasks_${status.toLowerCase()}`;

/**
 * One batch: the next `batchSize` tasks of the job by seq, only while the job is still ended before
 * the cutoff (its row locked for the statement, so a retry waits, and after a retry the next batch
 * finds nothing). The delete goes by ctid alone, a TID scan: adding `job_id = $1` invites the
 * planner to walk the job's whole index range for every batch. The job's counters drop with its tasks: a job retried between two batches stays
 * consistent, runs its remaining failed tasks and ends again.
 */
const batchStatement = `
  with job as (select id from jobs where id = $1 and ended_at < $2 for update),
  gone as (
    delete from tasks where ctid = any(array(
      select ctid from tasks where job_id = (select id from job) and seq > $3 order by seq limit $4))
    returning seq, status),
  counts as (
    select count(*)::int as n, max(seq) as last,
           ${taskStatuses.map((s) => `count(*) filter (where status = '${s}')::int as c_${s.toLowerCase()}`).join(', ')}
    from gone),
  counted as (
    update jobs j set tasks_total = tasks_total - c.n,
           ${taskStatuses.map((s) => `${counterOf(s)} = ${counterOf(s)} - c.c_${s.toLowerCase()}`).join(', ')}
    from counts c where j.id = $1 and c.n > 0)
  select n as deleted, last as "lastSeq" from counts`;

async function timed<T>(options: RetentionOptions, run: () => Promise<T>, deletedOf: (t: T) => number, result: RetentionResult): Promise<T> {
  const started = performance.now();
  const value = await run();
  const ms = performance.now() - started;
  result.statements += 1;
  result.longestStatementMs = Math.max(result.longestStatementMs, ms);
  options.onStatement?.(ms, deletedOf(value));
  return value;
}

/** Deletes one job's tasks batch by batch, then the job: whether the job row was deleted. */
async function deleteJob(sql: Sql, jobId: string, options: RetentionOptions, result: RetentionResult): Promise<boolean> {
  let lastSeq = 0;
  for (;;) {
    const [batch] = await timed(options, () => sql.query<{ deleted: number; lastSeq: number | null }>(
      batchStatement, [jobId, options.cutoff, lastSeq, options.batchSize],
    ), (rows) => rows[0]?.deleted ?? 0, result);
    const deleted = batch?.deleted ?? 0;
    result.tasksDeleted += deleted;
    if (deleted < options.batchSize || batch?.lastSeq === null || batch?.lastSeq === undefined) break;
    lastSeq = batch.lastSeq;
  }
  // Still ended before the cutoff: a job retried meanwhile is running again and stays.
  const gone = await timed(options, () => sql.query(
    `delete from jobs where id = $1 and ended_at < $2 returning id`, [jobId, options.cutoff],
  ), (rows) => rows.length, result);
  return gone.length === 1;
}

/** Deletes every job that ended before `options.cutoff`, with its tasks. */
export async function deleteEndedJobs(sql: Sql, options: RetentionOptions): Promise<RetentionResult> {
  const result: RetentionResult = { jobsDeleted: 0, tasksDeleted: 0, statements: 0, longestStatementMs: 0 };
  const skipped = new Set<string>();
  for (;;) {
    const due = await sql.query<{ id: string }>(
      `select id from jobs where ended_at < $1 and not (id = any($2::uuid[])) order by ended_at, id limit $3`,
      [options.cutoff, [...skipped], jobsPerLookup],
    );
    for (const { id } of due) {
      if (await deleteJob(sql, id, options, result)) result.jobsDeleted += 1;
      else skipped.add(id);
    }
    if (due.length < jobsPerLookup) return result;
  }
}
