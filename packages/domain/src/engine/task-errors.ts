/**
 * Read side of a job's error report: its FAILED and RESCUED tasks in `seq` order, streamed in
 * keyset batches so a report of a million failed lines costs one batch of memory and each batch is
 * a short walk down an index (never OFFSET, never a count).
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { failedTaskStatuses } from './status-rules';
import { sqlOf } from '../platform';

/** What the report shows of one task that did not succeed. */
export interface TaskErrorLine {
  seq: number;
  /** `meta.csvDataLine`: where the record starts in the uploaded file; null if the task has none. */
  csvDataLine: number | null;
  code: string | null;
  message: string | null;
  /** The raw input the task was given (e.g. the CSV record as uploaded). */
  input: string | null;
}


export const defaultErrorBatchSize = 1000;

// One branch per status, merged on seq: each branch is an ordered range scan of
// tasks_job_unprocessed_idx (job_id, status, seq) that stops after `limit` rows, and the outer
// Merge Append keeps seq order, so a batch reads at most statuses × limit index entries. The plain
// `status in (…) order by seq` is planned as a walk of (job_id, seq) filtering on status, which
// reads every PROCESSED task between two failures (all 99,990 of them for a 100k-task job whose
// last 10 tasks failed). The branches share the job, the last seq and the limit (`$1`…`$3`); each
// names its own status (`$4`…).
const branch = (statusParam: string): string => `(select seq, meta->'csvDataLine' as csv_data_line, error->'extensions'->>'code' as code,
    error->>'message' as message, input
  from tasks where job_id = $1 and status = ${statusParam} and seq > $2 order by seq limit $3)`;
const batchSql = (statuses: number): string =>
  `${Array.from({ length: statuses }, (_, i) => branch(`$${i + 4}`)).join(' union all ')} order by seq limit $3`;

type Raw = Record<string, unknown>;

const toLine = (r: Raw): TaskErrorLine => ({
  seq: r.seq as number,
  // jsonb comes back parsed; anything but a number (a hand-made task) is shown as no line.
  csvDataLine: typeof r.csv_data_line === 'number' ? r.csv_data_line : null,
  code: r.code as string | null,
  message: r.message as string | null,
  input: r.input as string | null,
});

/**
 * Every FAILED or RESCUED task of `jobId`, in `seq` order. Batches are read lazily as the consumer
 * pulls, outside any transaction: a task retried while the report streams may or may not appear,
 * but none appears twice and the order holds.
 */
export async function* taskErrors(em: EntityManager, jobId: string, batchSize = defaultErrorBatchSize): AsyncGenerator<TaskErrorLine> {
  const sql = sqlOf(em);
  const text = batchSql(failedTaskStatuses.length);
  let last = 0;
  for (;;) {
    const rows = await sql.query<Raw>(text, [jobId, last, batchSize, ...failedTaskStatuses]);
    for (const row of rows) yield toLine(row);
    const tail = rows.at(-1);
    if (!tail || rows.length < batchSize) return;
    last = tail.seq as number;
  }
}
