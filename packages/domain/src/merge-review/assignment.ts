/**
 * Assigning a manual merge candidate to a reviewer (SPEC §5), run by the worker in one transaction:
 * the reviewer's load is checked, a candidate is picked and claimed, the NEW request is inserted and
 * both changes are audited, or nothing is. What keeps the rules true under any concurrency and any
 * number of workers:
 *
 * - one reviewer's assignments queue on a transaction-scoped advisory lock, so the load read and the
 *   "never reviewed by this reviewer" test see every earlier assignment of theirs;
 * - candidates are picked `FOR UPDATE SKIP LOCKED`: two reviewers never wait for, nor get, the same
 *   one, and the claiming UPDATE still requires `assignee_id is null`;
 * - the unique indexes (one NEW request per reviewer, one request per reviewer and candidate) are the
 *   last word; a violation of either is answered with its CONFLICT, never an internal error.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { DomainError, inTransaction, type Sql } from '../platform';
import { assertMayTakeNew, mergeMessages, noEligibleCandidate, type MergeRules } from './rules';
import { auditMany } from './audit-log';
import { reviewerLoad } from './merge-requests';

export interface Assignment {
  mergeRequestId: string;
  candidateId: string;
}

// The two-key form with a namespace of its own, so these locks never meet another feature's.
const lockReviewer = (sql: Sql, assigneeId: string) =>
  sql.query(`select pg_advisory_xact_lock(hashtext('manual_merge_assignment'), hashtext($1))`, [assigneeId]);

/**
 * The eligible candidate first in line, locked: NEW, unassigned, never reviewed by this reviewer,
 * those with the most requests so far first (they are closest to a quorum), then the oldest. A
 * candidate another assignment or a decision has locked is skipped rather than waited for; a
 * candidate claimed and committed since this statement began is re-checked by Postgres and skipped
 * too. NO KEY UPDATE is the lock the claiming UPDATE takes anyway: it lets rows that merely point at
 * the candidate (requests, outbox events) be inserted meanwhile without making it look taken.
 */
async function lockEligibleCandidate(sql: Sql, assigneeId: string): Promise<string | null> {
  const [row] = await sql.query<{ id: string }>(
    `select c.id from manual_merge_candidates c
     where c.status = 'NEW' and c.assignee_id is null
       and not exists (
         select 1 from manual_merge_requests mine where mine.manual_merge_candidate_id = c.id and mine.assignee_id = $1)
     order by (select count(*) from manual_merge_requests r where r.manual_merge_candidate_id = c.id) desc, c.inserted_at, c.id
     limit 1
     for no key update of c skip locked`,
    [assigneeId],
  );
  return row?.id ?? null;
}

async function assignWithin(sql: Sql, assigneeId: string, rules: MergeRules): Promise<Assignment> {
  await lockReviewer(sql, assigneeId);
  assertMayTakeNew(await reviewerLoad(sql, assigneeId), rules);
  const candidateId = await lockEligibleCandidate(sql, assigneeId);
  if (!candidateId) throw noEligibleCandidate();
  const claimed = await sql.query(
    `update manual_merge_candidates set assignee_id = $2, updated_at = now() where id = $1 and assignee_id is null returning id`,
    [candidateId, assigneeId],
  );
  // The row lock makes this unreachable; if it ever is, the candidate is simply not eligible.
  if (claimed.length === 0) throw noEligibleCandidate();
  const [request] = await sql.query<{ id: string }>(
    `insert into manual_merge_requests (manual_merge_candidate_id, assignee_id, status) values ($1, $2, 'NEW') returning id`,
    [candidateId, assigneeId],
  );
  const mergeRequestId = request!.id;
  await auditMany(sql, [
    { actorId: assigneeId, resource: 'manual_merge_candidates', resourceId: candidateId, changeset: { assignee_id: assigneeId } },
    { actorId: assigneeId, resource: 'manual_merge_requests', resourceId: mergeRequestId, changeset: { status: 'NEW' } },
  ]);
  return { mergeRequestId, candidateId };
}

const uniqueViolation = '23505';

const conflictByConstraint: Readonly<Record<string, string>> = {
  manual_merge_requests_one_new_per_assignee: mergeMessages.newRequestPresent,
  // Not reachable while assignments hold the reviewer's lock; kept for the day a writer does not.
  manual_merge_requests_assignee_candidate_unique: mergeMessages.alreadyReviewed,
};

/** The CONFLICT a unique violation of the review's constraints stands for; null for anything else. */
function constraintConflict(error: unknown): DomainError | null {
  if (typeof error !== 'object' || error === null) return null;
  const { code, constraint } = error as { code?: unknown; constraint?: unknown };
  if (code !== uniqueViolation || typeof constraint !== 'string') return null;
  const message = conflictByConstraint[constraint];
  return message === undefined ? null : new DomainError('CONFLICT', message);
}

/**
 * Assigns the reviewer `assigneeId` (also the audit's actor: reviewers assign themselves) the next
 * eligible candidate. Throws CONFLICT "new request is already present" / "postponed requests limit
 * exceeded" or NOT_FOUND "Eligible manual merge candidate not found"; nothing is written then.
 */
export async function assignMergeCandidate(em: EntityManager, assigneeId: string, rules: MergeRules): Promise<Assignment> {
  try {
    return await inTransaction(em, ({ sql }) => assignWithin(sql, assigneeId, rules));
  } catch (error) {
    throw constraintConflict(error) ?? error;
  }
}
