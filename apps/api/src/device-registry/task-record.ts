/**
 * `DeviceRegistryTask.record`: the task's stored CSV record read by its job's header, so a console
 * can show the failed line cell by cell beside `error.extensions.fields`. A page of tasks shows up
 * to 500 records: their inputs are read in one statement for the page (task pages leave them out,
 * so a page that does not ask pays nothing), and each job's header is parsed once per request —
 * taken from the job row the page was read under, or, for tasks reached by `node(id)`, read for all
 * their jobs in one statement. Access is the task's own: a task object exists only once its job
 * was found readable.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { findJobs, taskInputs, type JobRow } from '@jabba/domain/engine';
import { parseHeader, recordCells, type CsvCell } from '@jabba/domain/csv';
import { batchLoader, perRequest } from '../platform/batch-loader';
import type { GraphqlContext } from '../graphql/module';
import type { TaskObject } from '../jobs/task-connection';

type Columns = readonly string[] | null;

/** The header's column names; null when the job has none that parses (not an upload of this api). */
function columnsOf(job: Pick<JobRow, 'meta'> | null): Columns {
  const header = job?.meta?.csvHeader;
  if (typeof header !== 'string') return null;
  const parsed = parseHeader(header);
  return parsed.ok ? parsed.fields : null;
}

const loaders = perRequest((em: EntityManager) => {
  const inputs = batchLoader((ids) => taskInputs(em, ids), null);
  const jobs = batchLoader((ids) => findJobs(em, ids), null);
  const columns = new Map<string, Promise<Columns>>();
  return {
    input: inputs,
    columns(jobId: string): Promise<Columns> {
      let known = columns.get(jobId);
      if (!known) columns.set(jobId, (known = jobs(jobId).then(columnsOf)));
      return known;
    },
    /** The page's job row is already here: its header needs no statement. */
    knowJob(job: JobRow): void {
      if (!columns.has(job.id)) columns.set(job.id, Promise.resolve(columnsOf(job)));
    },
  };
});

/** Call before resolving a job's tasks, so their records are read by the header the job row holds. */
export const knowTasksJob = (ctx: GraphqlContext, job: JobRow): void => loaders(ctx.em).knowJob(job);

export async function taskRecord(task: TaskObject, _args: unknown, ctx: GraphqlContext): Promise<CsvCell[] | null> {
  const load = loaders(ctx.em);
  const [columns, input] = await Promise.all([load.columns(task.jobId), load.input(task.id)]);
  return columns && input !== null ? recordCells(columns, input) : null;
}

export const csvDataLine = (task: TaskObject): number | null => {
  const line = task.meta?.csvDataLine;
  return typeof line === 'number' ? line : null;
};
