/**
 * Read side of the jabba tables for the GraphQL api. Raw SQL on purpose: timestamps are read as
 * text because timestamptz(6) carries microseconds that a JS Date would drop, and task pages are
 * keyset scans over the (job_id, seq) and (job_id, status, seq) indexes — never OFFSET, never
 * count(*) — for one job or, in one statement, for many. Task pages are read along the index
 * whatever the statistics say (`alongIndex`): a job's rows arrive by the million in one COPY, long
 * before ANALYZE sees them.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { JobStatus, JobStrategy, TaskCounters, TaskError, TaskStatus } from './status-rules';
import { countersColumns, countersOf } from './counters';
import { isoMicros, type IsoTimestamp, keysetPage, keysetPagesByParent, type KeysetQuery, type Raw, sqlOf } from '../platform';


export interface JobRow {
  id: string;
  name: string | null;
  type: string;
  strategy: JobStrategy;
  status: JobStatus;
  meta: Record<string, unknown> | null;
  clientId: string | null;
  userId: string | null;
  counters: TaskCounters;
  endedAt: IsoTimestamp | null;
  insertedAt: IsoTimestamp;
  updatedAt: IsoTimestamp;
}

export interface TaskRow {
  id: string;
  jobId: string;
  seq: number;
  name: string | null;
  priority: number;
  status: TaskStatus;
  meta: Record<string, unknown> | null;
  result: unknown;
  error: TaskError | null;
  endedAt: IsoTimestamp | null;
  insertedAt: IsoTimestamp;
  updatedAt: IsoTimestamp;
}

/**
 * The columns `toJob` reads, unqualified, for any query selecting from `jobs` alone. The timestamps
 * come out as text under their column names: a query ordering by one must qualify it.
 */
export const jobColumns = `id, name, type, strategy, status, meta, client_id, user_id, ${countersColumns},
  ${isoMicros('ended_at')} as ended_at, ${isoMicros('inserted_at')} as inserted_at, ${isoMicros('updated_at')} as updated_at`;

const taskColumns = `t.id, t.job_id, t.seq, t.name, t.priority, t.status, t.meta, t.result, t.error,
  ${isoMicros('t.ended_at')} as ended_at, ${isoMicros('t.inserted_at')} as inserted_at, ${isoMicros('t.updated_at')} as updated_at`;


export const toJob = (r: Raw): JobRow => ({
  id: r.id as string,
  name: r.name as string | null,
  type: r.type as string,
  strategy: r.strategy as JobStrategy,
  status: r.status as JobStatus,
  meta: r.meta as Record<string, unknown> | null,
  clientId: r.client_id as string | null,
  userId: r.user_id as string | null,
  counters: countersOf(r),
  endedAt: r.ended_at as string | null,
  insertedAt: r.inserted_at as string,
  updatedAt: r.updated_at as string,
});

const toTask = (r: Raw): TaskRow => ({
  id: r.id as string,
  jobId: r.job_id as string,
  seq: r.seq as number,
  name: r.name as string | null,
  priority: r.priority as number,
  status: r.status as TaskStatus,
  meta: r.meta as Record<string, unknown> | null,
  result: r.result ?? null,
  error: r.error as TaskError | null,
  endedAt: r.ended_at as string | null,
  insertedAt: r.inserted_at as string,
  updatedAt: r.updated_at as string,
});

export async function findJob(em: EntityManager, id: string): Promise<JobRow | null> {
  const rows = await sqlOf(em).query<Raw>(`select ${jobColumns} from jobs where id = $1`, [id]);
  return rows[0] ? toJob(rows[0]) : null;
}

/** Several jobs by id in one statement (a batch of a request's lookups); ids not found are absent. */
export async function findJobs(em: EntityManager, ids: readonly string[]): Promise<Map<string, JobRow>> {
  const rows = await sqlOf(em).query<Raw>(`select ${jobColumns} from jobs where id = any($1::uuid[])`, [ids]);
  return new Map(rows.map((r) => [r.id as string, toJob(r)]));
}

/**
 * The stored inputs of tasks (e.g. CSV records as uploaded), in one statement. Task pages leave the
 * input out (up to a record's size per row), so only a reader that shows it pays for it.
 */
export async function taskInputs(em: EntityManager, ids: readonly string[]): Promise<Map<string, string | null>> {
  const rows = await sqlOf(em).query<{ id: string; input: string | null }>(`select id, input from tasks where id = any($1::uuid[])`, [ids]);
  return new Map(rows.map((r) => [r.id, r.input]));
}

/** A task with the client that owns its job: what an ownership check needs, in one query. */
export async function findTask(em: EntityManager, id: string): Promise<(TaskRow & { clientId: string | null }) | null> {
  const rows = await sqlOf(em).query<Raw>(
    `select ${taskColumns}, j.client_id from tasks t join jobs j on j.id = t.job_id where t.id = $1`,
    [id],
  );
  const row = rows[0];
  return row ? { ...toTask(row), clientId: row.client_id as string | null } : null;
}

export type TaskOrder = 'SEQ_ASC' | 'SEQ_DESC' | 'STATUS_ASC' | 'STATUS_DESC';

/** Position of a task in any task order; statuses sort as text, which is what the index holds. */
export interface TaskKey {
  seq: number;
  status: TaskStatus;
}

export interface TaskPageQuery {
  jobId: string;
  status?: TaskStatus | null;
  order: TaskOrder;
  /** Exclusive bounds, in the order's direction. */
  after?: TaskKey | null;
  before?: TaskKey | null;
  /** Rows to read; callers ask for one more than they show to learn whether more exist. */
  limit: number;
  /** Read the window from its end (Relay `last`); rows still come back in the order's direction. */
  fromEnd: boolean;
}

export interface TaskPage {
  rows: TaskRow[];
  /** A task sits at or before `after` (only looked up when `after` is given). */
  existsBeforeAfter: boolean;
  /** A task sits at or after `before` (only looked up when `before` is given). */
  existsAfterBefore: boolean;
}

/** A task order as a keyset sort key: each is a row comparison on the (job_id, seq) or (job_id, status, seq) index. */
function taskOrderOf(order: TaskOrder): Pick<KeysetQuery<TaskKey>, 'key' | 'orderColumns' | 'ascending'> {
  const byStatus = order === 'STATUS_ASC' || order === 'STATUS_DESC';
  return {
    key: byStatus
      ? { sql: '(t.status, t.seq)', values: (k) => [k.status, k.seq], casts: [null, null] }
      : { sql: 't.seq', values: (k) => [k.seq], casts: [null] },
    orderColumns: byStatus ? ['t.status', 't.seq'] : ['t.seq'],
    ascending: order === 'SEQ_ASC' || order === 'STATUS_ASC',
  };
}

export async function pageTasks(em: EntityManager, q: TaskPageQuery): Promise<TaskPage> {
  const page = await keysetPage<TaskKey>(em, {
    from: 'tasks t',
    select: taskColumns,
    where: q.status ? ['t.job_id = $1', 't.status = $2'] : ['t.job_id = $1'],
    params: q.status ? [q.jobId, q.status] : [q.jobId],
    ...taskOrderOf(q.order),
    after: q.after,
    before: q.before,
    limit: q.limit,
    fromEnd: q.fromEnd,
    alongIndex: true,
  });
  return { ...page, rows: page.rows.map(toTask) };
}

/**
 * The same page of tasks for each of `jobIds`, in one statement: what a list of jobs, each with its
 * `tasks` connection, needs (one statement for the level, not one per job).
 */
export async function pageTasksOfJobs(em: EntityManager, jobIds: readonly string[], q: Omit<TaskPageQuery, 'jobId'>): Promise<Map<string, TaskPage>> {
  const pages = await keysetPagesByParent<TaskKey>(em, {
    from: 'tasks t',
    select: taskColumns,
    where: q.status ? ['t.status = $1'] : [],
    params: q.status ? [q.status] : [],
    ...taskOrderOf(q.order),
    after: q.after,
    before: q.before,
    limit: q.limit,
    fromEnd: q.fromEnd,
    alongIndex: true,
    parentColumn: 't.job_id',
    parentIds: jobIds,
  });
  return new Map([...pages].map(([jobId, page]) => [jobId, { ...page, rows: page.rows.map(toTask) }]));
}
