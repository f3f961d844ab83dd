/**
 * Read model of manual merge review (SPEC §5) for the api: a request with its candidate and both
 * persons in one joined row (what GraphQL `MergeRequest` renders), a reviewer's load (what the
 * assignment rules and `canAssignNew` need), and keyset pages of a reviewer's open requests,
 * served by manual_merge_requests_assignee_idx (assignee_id, status, inserted_at, id).
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { CandidateStatus, Decision, RequestStatus, ReviewerLoad } from './rules';
import { isoMicros, type IsoTimestamp, keysetPage, type Raw, type Sql } from '../platform';

/** A person as the import gave it; only the id is sure to be known. */
export interface PersonRow {
  id: string;
  firstName: string | null;
  lastName: string | null;
  /** `YYYY-MM-DD`. */
  birthDate: string | null;
}

export interface ManualMergeCandidateRow {
  id: string;
  /** The MPI's merge candidate this review is about (GraphQL `MergeCandidate.databaseId`). */
  mergeCandidateId: string;
  status: CandidateStatus;
  statusReason: string | null;
  decision: Decision | null;
  assigneeId: string | null;
  /** The person that a MERGE deactivates. */
  person: PersonRow;
  /** The person that remains. */
  masterPerson: PersonRow;
  insertedAt: IsoTimestamp;
  updatedAt: IsoTimestamp;
}

export interface MergeRequestRow {
  id: string;
  assigneeId: string;
  status: RequestStatus;
  comment: string | null;
  candidate: ManualMergeCandidateRow;
  insertedAt: IsoTimestamp;
  updatedAt: IsoTimestamp;
}

/** Request `r`, candidate `c`, person `p`, master person `m`: every table the row is made of. */
const mergeRequestFrom = `manual_merge_requests r
  join manual_merge_candidates c on c.id = r.manual_merge_candidate_id
  join persons p on p.id = c.person_id
  join persons m on m.id = c.master_person_id`;

// Timestamps as text under prefixed names: a JS Date would drop the microseconds, and the prefixes
// keep the four tables' columns apart (orders must still use the qualified columns).
const mergeRequestColumns = `r.id, r.assignee_id, r.status, r.comment,
  ${isoMicros('r.inserted_at')} as r_inserted_at, ${isoMicros('r.updated_at')} as r_updated_at,
  c.id as c_id, c.merge_candidate_id, c.status as c_status, c.status_reason, c.decision, c.assignee_id as c_assignee_id,
  ${isoMicros('c.inserted_at')} as c_inserted_at, ${isoMicros('c.updated_at')} as c_updated_at,
  p.id as p_id, p.first_name as p_first_name, p.last_name as p_last_name, to_char(p.birth_date, 'YYYY-MM-DD') as p_birth_date,
  m.id as m_id, m.first_name as m_first_name, m.last_name as m_last_name, to_char(m.birth_date, 'YYYY-MM-DD') as m_birth_date`;

const toPerson = (r: Raw, prefix: 'p' | 'm'): PersonRow => ({
  id: r[`${prefix}_id`] as string,
  firstName: r[`${prefix}_first_name`] as string | null,
  lastName: r[`${prefix}_last_name`] as string | null,
  birthDate: r[`${prefix}_birth_date`] as string | null,
});

const toMergeRequest = (r: Raw): MergeRequestRow => ({
  id: r.id as string,
  assigneeId: r.assignee_id as string,
  status: r.status as RequestStatus,
  comment: r.comment as string | null,
  candidate: {
    id: r.c_id as string,
    mergeCandidateId: r.merge_candidate_id as string,
    status: r.c_status as CandidateStatus,
    statusReason: r.status_reason as string | null,
    decision: r.decision as Decision | null,
    assigneeId: r.c_assignee_id as string | null,
    person: toPerson(r, 'p'),
    masterPerson: toPerson(r, 'm'),
    insertedAt: r.c_inserted_at as string,
    updatedAt: r.c_updated_at as string,
  },
  insertedAt: r.r_inserted_at as string,
  updatedAt: r.r_updated_at as string,
});

/**
 * A request whoever it belongs to (callers decide what the caller may see). On a transaction's
 * `Sql` it sees that transaction's writes.
 */
export async function findMergeRequest(sql: Sql, id: string): Promise<MergeRequestRow | null> {
  const [row] = await sql.query<Raw>(`select ${mergeRequestColumns} from ${mergeRequestFrom} where r.id = $1`, [id]);
  return row ? toMergeRequest(row) : null;
}

const loadQuery = `select count(*) filter (where status = 'NEW')::int as new_requests,
  count(*) filter (where status = 'POSTPONE')::int as postponed
  from manual_merge_requests where assignee_id = $1 and status in ('NEW', 'POSTPONE')`;

/**
 * The reviewer's NEW and POSTPONE requests, counted. On a transaction's `Sql` it sees that
 * transaction's writes; it takes no lock (the unique indexes are what hold under concurrency).
 */
export async function reviewerLoad(sql: Sql, assigneeId: string): Promise<ReviewerLoad> {
  const [row] = await sql.query<Raw>(loadQuery, [assigneeId]);
  return { newRequests: Number(row?.new_requests ?? 0), postponed: Number(row?.postponed ?? 0) };
}

export type MergeRequestOrder = 'INSERTED_AT_ASC' | 'INSERTED_AT_DESC' | 'STATUS_ASC' | 'STATUS_DESC';

/** Position of a request in every order: a cursor survives a switch of order. */
export interface MergeRequestKey {
  status: RequestStatus;
  insertedAt: IsoTimestamp;
  id: string;
}

export const mergeRequestKeyOf = (row: MergeRequestRow): MergeRequestKey => ({ status: row.status, insertedAt: row.insertedAt, id: row.id });

export interface MergeRequestPageQuery {
  assigneeId: string;
  /** Narrows the open requests (NEW, POSTPONE) further; another status gives an empty page. */
  status?: RequestStatus | null;
  order: MergeRequestOrder;
  /** Exclusive bounds, in the order's direction. */
  after?: MergeRequestKey | null;
  before?: MergeRequestKey | null;
  /** Rows to read; callers ask for one more than they show to learn whether more exist. */
  limit: number;
  /** Read the window from its end (Relay `last`); rows still come back in the order's direction. */
  fromEnd: boolean;
}

export interface MergeRequestPage {
  rows: MergeRequestRow[];
  existsBeforeAfter: boolean;
  existsAfterBefore: boolean;
}

/** A reviewer's open requests: at most one NEW and MAX_POSTPONED_MERGE_REQUESTS POSTPONE ones. */
export async function pageOpenMergeRequests(em: EntityManager, q: MergeRequestPageQuery): Promise<MergeRequestPage> {
  const byStatus = q.order === 'STATUS_ASC' || q.order === 'STATUS_DESC';
  const where = ['r.assignee_id = $1', "r.status in ('NEW', 'POSTPONE')"];
  if (q.status) where.push('r.status = $2');
  const page = await keysetPage<MergeRequestKey>(em, {
    from: mergeRequestFrom,
    select: mergeRequestColumns,
    where,
    params: q.status ? [q.assigneeId, q.status] : [q.assigneeId],
    // Statuses sort as text, as the index holds them; (inserted_at, id) breaks ties in both orders.
    key: byStatus
      ? { sql: '(r.status, r.inserted_at, r.id)', values: (k) => [k.status, k.insertedAt, k.id], casts: [null, 'timestamptz', 'uuid'] }
      : { sql: '(r.inserted_at, r.id)', values: (k) => [k.insertedAt, k.id], casts: ['timestamptz', 'uuid'] },
    orderColumns: byStatus ? ['r.status', 'r.inserted_at', 'r.id'] : ['r.inserted_at', 'r.id'],
    ascending: q.order === 'INSERTED_AT_ASC' || q.order === 'STATUS_ASC',
    after: q.after,
    before: q.before,
    limit: q.limit,
    fromEnd: q.fromEnd,
  });
  return { ...page, rows: page.rows.map(toMergeRequest) };
}
