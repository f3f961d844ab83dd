/**
 * A reviewer's decision on a merge request (SPEC §5, `updateMergeRequest`) as one transaction:
 * the request's new status, what it does to its candidate (back to the pool, or settled at the
 * quorum), the audit rows, and for a settling MERGE the person-deactivation event in the outbox.
 * The candidate is locked before the request, so decisions on one candidate are counted one at a
 * time and the quorum is reached exactly once.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { DomainError, inTransaction, type Raw, type Sql } from '../platform';
import {
  assertRequestTransition, effectOfDecision, isDecision, mergeMessages,
  type CandidateStatus, type MergeRules, type RequestStatus,
} from './rules';
import { audit } from './audit-log';
import { insertDeactivationEvent, type PersonDeactivationEvent } from './outbox';

export interface MergeDecision {
  requestId: string;
  /** The caller (the token's user id): only the request's assignee may decide it. */
  actorId: string;
  status: RequestStatus;
  /** `undefined` keeps the request's comment; `null` clears it. */
  comment?: string | null;
}

export interface DecisionOutcome {
  /** The event a settling MERGE wrote, to publish once the transaction has committed. */
  event: PersonDeactivationEvent | null;
}

interface LockedCandidate {
  id: string;
  status: CandidateStatus;
  assigneeId: string | null;
  personId: string;
  masterPersonId: string;
}

// A request's candidate never changes, so the candidate can be found and locked before the request.
async function lockCandidateOfRequest(sql: Sql, requestId: string): Promise<LockedCandidate | null> {
  const [row] = await sql.query<Raw>(
    `select id, status, assignee_id, person_id, master_person_id from manual_merge_candidates
     where id = (select manual_merge_candidate_id from manual_merge_requests where id = $1) for update`,
    [requestId],
  );
  if (!row) return null;
  return {
    id: row.id as string,
    status: row.status as CandidateStatus,
    assigneeId: row.assignee_id as string | null,
    personId: row.person_id as string,
    masterPersonId: row.master_person_id as string,
  };
}

async function lockRequest(sql: Sql, requestId: string): Promise<{ assigneeId: string; status: RequestStatus } | null> {
  const [row] = await sql.query<Raw>('select assignee_id, status from manual_merge_requests where id = $1 for update', [requestId]);
  return row ? { assigneeId: row.assignee_id as string, status: row.status as RequestStatus } : null;
}

const notFound = (): DomainError => new DomainError('NOT_FOUND', mergeMessages.requestNotFound);

export async function decideMergeRequest(em: EntityManager, decision: MergeDecision, rules: MergeRules): Promise<DecisionOutcome> {
  const { requestId, actorId, status } = decision;
  return inTransaction(em, async ({ sql }) => {
    const candidate = await lockCandidateOfRequest(sql, requestId);
    const request = candidate && (await lockRequest(sql, requestId));
    if (!candidate || !request) throw notFound();
    if (request.assigneeId !== actorId) throw new DomainError('FORBIDDEN', mergeMessages.notAssignee);
    assertRequestTransition(request.status, status);

    const changes: Record<string, unknown> = { status };
    if (decision.comment !== undefined) changes.comment = decision.comment;
    await sql.query(
      `update manual_merge_requests set status = $2, comment = case when $3 then $4 else comment end, updated_at = now() where id = $1`,
      [requestId, status, decision.comment !== undefined, decision.comment ?? null],
    );
    await audit(sql, { actorId, resource: 'manual_merge_requests', resourceId: requestId, changeset: changes });

    // A candidate settled by other reviewers' decisions meanwhile keeps its decision; a late
    // request is still recorded, but counts for nothing and emits nothing.
    if (candidate.status === 'PROCESSED') return { event: null };

    const sameDecisions = isDecision(status) ? await countRequests(sql, candidate.id, status) : 0;
    const effect = effectOfDecision(status, sameDecisions, rules);
    if (effect.kind === 'release') {
      await releaseCandidate(sql, candidate, actorId);
      return { event: null };
    }
    // Settled, it leaves the pool for good; the deciding reviewer lets go of it as on a release.
    const letsGo = candidate.assigneeId === actorId;
    await sql.query(
      `update manual_merge_candidates set status = 'PROCESSED', decision = $2,
         assignee_id = case when $3 then null else assignee_id end, updated_at = now() where id = $1`,
      [candidate.id, effect.decision, letsGo],
    );
    const settled = { status: 'PROCESSED', decision: effect.decision, ...(letsGo ? { assignee_id: null } : {}) };
    await audit(sql, { actorId, resource: 'manual_merge_candidates', resourceId: candidate.id, changeset: settled });
    if (effect.decision !== 'MERGE') return { event: null };
    const event = await insertDeactivationEvent(sql, {
      manualMergeCandidateId: candidate.id, masterPersonId: candidate.masterPersonId, mergePersonId: candidate.personId,
    });
    return { event };
  });
}

/** The candidate's requests with `status`, the one just updated included. */
async function countRequests(sql: Sql, candidateId: string, status: RequestStatus): Promise<number> {
  const [row] = await sql.query<Raw>(
    'select count(*)::int as n from manual_merge_requests where manual_merge_candidate_id = $1 and status = $2',
    [candidateId, status],
  );
  return Number(row?.n ?? 0);
}

/**
 * Back to the pool, but only from the deciding reviewer's hands: a postponed request decided
 * later must not take the candidate from whoever holds it now.
 */
async function releaseCandidate(sql: Sql, candidate: LockedCandidate, actorId: string): Promise<void> {
  if (candidate.assigneeId !== actorId) return;
  await sql.query('update manual_merge_candidates set assignee_id = null, updated_at = now() where id = $1', [candidate.id]);
  await audit(sql, { actorId, resource: 'manual_merge_candidates', resourceId: candidate.id, changeset: { assignee_id: null } });
}
