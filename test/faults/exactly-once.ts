/**
 * The check every fault test ends with (issue 14): whatever broke during the import, every line
 * ended exactly once. Devices = PROCESSED tasks, each pointed at by one task, and no device (of
 * this job or of another on the same database) without a task; FAILED = the bad lines; RESCUED
 * only where the fault demands it; the job's counters equal count(*); its status and ended_at were
 * set once (a trigger this file installs counts the job's ends).
 */
import { expect } from 'vitest';

export type Sql = <R>(text: string, values?: unknown[]) => Promise<R[]>;

/** Counts every end of every job from now on: call it before the import starts. */
export async function recordJobEnds(sql: Sql): Promise<void> {
  await sql(`create table if not exists test_job_ends (job_id uuid not null, status text not null, at timestamptz not null default clock_timestamp())`);
  await sql(`
    create or replace function test_record_job_end() returns trigger language plpgsql as $$
    begin
      insert into test_job_ends (job_id, status) values (new.id, new.status);
      return new;
    end $$`);
  await sql(`drop trigger if exists test_job_ends on jobs`);
  await sql(`create trigger test_job_ends after update of ended_at on jobs
             for each row when (old.ended_at is null and new.ended_at is not null) execute function test_record_job_end()`);
}

export interface ImportExpectation {
  /** Data lines in the file. */
  records: number;
  /** File line numbers (the header is line 1) that must end FAILED. */
  badLines: readonly number[];
  /** File line numbers allowed, and then required, to end RESCUED (a poison record). */
  rescuedLines?: readonly number[];
}

const numbers = (row: Record<string, unknown>): Record<string, number> =>
  Object.fromEntries(Object.entries(row).map(([k, v]) => [k, Number(v)]));

export async function expectExactlyOnce(sql: Sql, jobId: string, { records, badLines, rescuedLines = [] }: ImportExpectation): Promise<void> {
  const processed = records - badLines.length - rescuedLines.length;
  const [job] = await sql<Record<string, unknown>>(
    `select status, ended_at is not null as ended, tasks_total, tasks_new, tasks_pending, tasks_processed, tasks_failed, tasks_rescued, tasks_aborted from jobs where id = ?`, [jobId]);
  expect(job, `job ${jobId}`).toMatchObject({
    status: badLines.length + rescuedLines.length > 0 ? 'FAILED' : 'PROCESSED', ended: true,
  });
  const { status: _status, ended: _ended, ...counters } = job!;
  expect(numbers(counters), 'the job\'s counters').toEqual({
    tasks_total: records, tasks_new: 0, tasks_pending: 0, tasks_processed: processed,
    tasks_failed: badLines.length, tasks_rescued: rescuedLines.length, tasks_aborted: 0,
  });

  const byStatus = await sql<{ status: string; n: string }>('select status, count(*) as n from tasks where job_id = ? group by status', [jobId]);
  const stored = Object.fromEntries(byStatus.map((r) => [r.status, Number(r.n)]));
  expect(stored, 'tasks by status').toEqual(Object.fromEntries(
    [['PROCESSED', processed], ['FAILED', badLines.length], ['RESCUED', rescuedLines.length]].filter(([, n]) => n !== 0),
  ));

  // Orphans across the whole database: a fault test may run several imports on one.
  const [links] = await sql<Record<string, unknown>>(
    `select
       (select count(meta->>'databaseId') from tasks where job_id = ? and status = 'PROCESSED') as ids,
       (select count(distinct meta->>'databaseId') from tasks where job_id = ? and status = 'PROCESSED') as distinct_ids,
       (select count(*) from tasks t join device_definitions d on d.id = (t.meta->>'databaseId')::uuid where t.job_id = ? and t.status = 'PROCESSED') as found,
       (select count(*) from device_definitions d where not exists (
          select 1 from tasks t where t.meta->>'databaseId' = d.id::text)) as orphans`,
    [jobId, jobId, jobId]);
  expect(numbers(links!), 'one device per PROCESSED task, none without one').toEqual({ ids: processed, distinct_ids: processed, found: processed, orphans: 0 });

  const lines = async (status: string): Promise<number[]> =>
    (await sql<{ line: number }>(`select (meta->>'csvDataLine')::int as line from tasks where job_id = ? and status = ? order by seq`, [jobId, status])).map((r) => r.line);
  expect(await lines('FAILED'), 'FAILED lines').toEqual([...badLines]);
  expect(await lines('RESCUED'), 'RESCUED lines').toEqual([...rescuedLines]);

  const ends = await sql<{ status: string }>('select status from test_job_ends where job_id = ?', [jobId]);
  expect(ends.map((e) => e.status), 'the job ended once').toEqual([job!.status]);
}
