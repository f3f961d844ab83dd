/**
 * A client's jobs of one type, page by page (e.g. GraphQL `deviceRegistryJobs`): keyset scans over
 * (inserted_at, id), served by the indexes of Migration20261122000004_job_listing — never OFFSET,
 * never count(*), and no sort step whatever the direction.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { JobStatus } from '../model/job-state';
import { jobColumns, toJob, type IsoTimestamp, type JobRow, type Raw } from './job-queries';

export type JobListOrder = 'INSERTED_AT_ASC' | 'INSERTED_AT_DESC';

/** Position of a job in either order; `id` breaks ties between jobs inserted in the same microsecond. */
export interface JobKey {
  insertedAt: IsoTimestamp;
  id: string;
}

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

type Comparison = '<' | '>' | '<=' | '>=';

export async function pageJobs(em: EntityManager, q: JobPageQuery): Promise<JobPage> {
  const ascending = q.order === 'INSERTED_AT_ASC';
  // "After" in the order's direction is "greater" only when ascending.
  const cmp = (forward: boolean, inclusive: boolean): Comparison =>
    `${forward === ascending ? '>' : '<'}${inclusive ? '=' : ''}` as Comparison;

  const bounded = (extra: Array<[Comparison, JobKey]>): { where: string; params: unknown[] } => {
    const where = ['j.client_id = ?', 'j.type = ?'];
    const params: unknown[] = [q.clientId, q.type];
    if (q.status) {
      where.push('j.status = ?');
      params.push(q.status);
    }
    // A row comparison, which the planner turns into one index bound on (inserted_at, id).
    for (const [op, key] of extra) {
      where.push(`(j.inserted_at, j.id) ${op} (?::timestamptz, ?::uuid)`);
      params.push(key.insertedAt, key.id);
    }
    return { where: where.join(' and '), params };
  };
  const bounds: Array<[Comparison, JobKey]> = [];
  if (q.after) bounds.push([cmp(true, false), q.after]);
  if (q.before) bounds.push([cmp(false, false), q.before]);
  const { where, params } = bounded(bounds);
  const orderBy = (scanAscending: boolean): string => {
    const dir = scanAscending ? 'asc' : 'desc';
    // Qualified: a bare `inserted_at` would name the selected text column (jobColumns renders it
    // with to_char), and sorting by that text cannot use the index.
    return `j.inserted_at ${dir}, j.id ${dir}`;
  };
  // As in pageTasks: a probe ordered along the index rather than `exists (…)`, which the planner
  // may answer with a sequential scan.
  const exists = async (op: Comparison, key: JobKey): Promise<boolean> => {
    const probe = bounded([[op, key]]);
    const found = await em.execute<Raw[]>(
      `select 1 from jobs j where ${probe.where} order by ${orderBy(op.startsWith('>'))} limit 1`,
      probe.params,
    );
    return found.length > 0;
  };

  const [rows, existsBeforeAfter, existsAfterBefore] = await Promise.all([
    em.execute<Raw[]>(`select ${jobColumns} from jobs j where ${where} order by ${orderBy(ascending !== q.fromEnd)} limit ?`, [
      ...params,
      q.limit,
    ]),
    q.after ? exists(cmp(false, true), q.after) : false,
    q.before ? exists(cmp(true, true), q.before) : false,
  ]);
  const jobs = rows.map(toJob);
  if (q.fromEnd) jobs.reverse();
  return { rows: jobs, existsBeforeAfter, existsAfterBefore };
}
