/**
 * A client's jobs, page by page: of one type (GraphQL `deviceRegistryJobs`) or of several (the
 * `jobs` list of every type the caller may read). Keyset scans over (inserted_at, id) — never
 * OFFSET, never count(*), and no sort step whatever the direction: one type (and one status) is read
 * from the indexes of Migration20261122000004_job_listing, several types from the (client_id,
 * inserted_at, id) index of Migration20261122000009_operations, filtering as it walks.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { JobStatus } from './status-rules';
import { jobColumns, toJob, type JobRow } from './job-reads';
import { creationOrder, keysetPage, param, type CreationKey } from '../platform';

export type JobListOrder = 'INSERTED_AT_ASC' | 'INSERTED_AT_DESC';

/** Position of a job in either order. */
export type JobKey = CreationKey;

export interface JobPageQuery {
  clientId: string;
  /** The job types listed; none lists nothing. */
  types: readonly string[];
  /** Only jobs in one of these statuses; null or empty: any. */
  statuses?: readonly JobStatus[] | null;
  order: JobListOrder;
  /** Exclusive bounds, in the order's direction. */
  after?: JobKey | null;
  before?: JobKey | null;
  /** Rows to read; callers ask for one more than they show to learn whether more exist. */
  limit: number;
  /** Read the window from its end (Relay `last`); rows still come back in the order's direction. */
  fromEnd: boolean;
}

export interface JobPage {
  rows: JobRow[];
  /** A job sits at or before `after` (only looked up when `after` is given). */
  existsBeforeAfter: boolean;
  /** A job sits at or after `before` (only looked up when `before` is given). */
  existsAfterBefore: boolean;
}

/**
 * `column = $n` for one value, which the planner matches to an index column; `= any($n)` for
 * several, which it applies as a filter on the walk in creation order.
 */
function oneOf(column: string, values: readonly string[], params: unknown[]): string {
  return values.length === 1 ? `${column} = ${param(params, values[0])}` : `${column} = any(${param(params, values, 'text[]')})`;
}

export async function pageJobs(em: EntityManager, q: JobPageQuery): Promise<JobPage> {
  if (q.types.length === 0) return { rows: [], existsBeforeAfter: false, existsAfterBefore: false };
  const params: unknown[] = [];
  const where = [`j.client_id = ${param(params, q.clientId)}`, oneOf('j.type', q.types, params)];
  if (q.statuses && q.statuses.length > 0) where.push(oneOf('j.status', q.statuses, params));
  const page = await keysetPage<JobKey>(em, {
    from: 'jobs j',
    select: jobColumns,
    where,
    params,
    ...creationOrder('j'),
    ascending: q.order === 'INSERTED_AT_ASC',
    after: q.after,
    before: q.before,
    limit: q.limit,
    fromEnd: q.fromEnd,
  });
  return { ...page, rows: page.rows.map(toJob) };
}
