/**
 * A client's jobs of one type, page by page (e.g. GraphQL `deviceRegistryJobs`): keyset scans over
 * (inserted_at, id), served by the indexes of Migration20261122000004_job_listing — never OFFSET,
 * never count(*), and no sort step whatever the direction.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { JobStatus } from './status-rules';
import { jobColumns, toJob, type JobRow } from './job-reads';
import { creationOrder, keysetPage, type CreationKey } from '../platform';

export type JobListOrder = 'INSERTED_AT_ASC' | 'INSERTED_AT_DESC';

/** Position of a job in either order. */
export type JobKey = CreationKey;

export interface JobPageQuery {
  clientId: string;
  type: string;
  status?: JobStatus | null;
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

export async function pageJobs(em: EntityManager, q: JobPageQuery): Promise<JobPage> {
  const page = await keysetPage<JobKey>(em, {
    from: 'jobs j',
    select: jobColumns,
    where: q.status ? ['j.client_id = $1', 'j.type = $2', 'j.status = $3'] : ['j.client_id = $1', 'j.type = $2'],
    params: q.status ? [q.clientId, q.type, q.status] : [q.clientId, q.type],
    ...creationOrder('j'),
    ascending: q.order === 'INSERTED_AT_ASC',
    after: q.after,
    before: q.before,
    limit: q.limit,
    fromEnd: q.fromEnd,
  });
  return { ...page, rows: page.rows.map(toJob) };
}
