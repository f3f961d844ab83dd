/**
 * Writing destinations and what hangs below them (SPEC §4): create, delete, submissions
 * (each opens a case), case events and replies. Every write whose permission depends on the
 * destination's status locks the destination row and asks the pure guard inside one transaction,
 * so a status change (the worker locks the same row) lands wholly before or wholly after it.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { assertAcceptsReplies, assertAcceptsSubmissions, assertDeletable, destinationNotFound } from './rules';
import { DomainError, inTransaction, isoMicros, type IsoTimestamp, jsonb, type Raw, type Sql, sqlOf } from '../platform';
import { destinationColumns, lockDestination, toDestination, type DestinationRow } from './destination-rows';

export const caseNotFound = (id: string): DomainError => new DomainError('NOT_FOUND', `Case ${id} not found`);

export async function createDestination(em: EntityManager, d: { name: string; clientId: string }): Promise<DestinationRow> {
  // The status and its timestamp come from the column defaults: a new destination is `created`.
  const rows = await sqlOf(em).query<Raw>(`insert into destinations as d (name, client_id) values ($1, $2) returning ${destinationColumns}`, [d.name, d.clientId]);
  return toDestination(rows[0]!);
}

/** The destination under lock, or destination-not-found. */
async function lockedDestination(sql: Sql, id: string): Promise<DestinationRow> {
  const destination = await lockDestination(sql, id);
  if (!destination) throw destinationNotFound(id);
  return destination;
}

/** Only a `created` destination may go; its (possibly none) cases go with it by cascade. */
export async function deleteDestination(em: EntityManager, id: string): Promise<void> {
  await inTransaction(em, async ({ sql }) => {
    assertDeletable(await lockedDestination(sql, id));
    await sql.query('delete from destinations where id = $1', [id]);
  });
}

export interface SubmissionRow {
  submissionId: string;
  caseId: string;
  destinationId: string;
  createdAt: IsoTimestamp;
}

/** A submission to an active destination, opening a new case for it (one statement for both rows). */
export async function createSubmission(em: EntityManager, s: { destinationId: string; payload?: unknown }): Promise<SubmissionRow> {
  return inTransaction(em, async ({ sql }) => {
    assertAcceptsSubmissions(await lockedDestination(sql, s.destinationId));
    const [row] = await sql.query<SubmissionRow>(
      `with opened as (insert into cases (destination_id) values ($1::uuid) returning id)
       insert into submissions (destination_id, case_id, payload)
         select $1::uuid, opened.id, $2::jsonb from opened
       returning id as "submissionId", case_id as "caseId", destination_id as "destinationId", ${isoMicros('inserted_at')} as "createdAt"`,
      [s.destinationId, jsonb(s.payload)],
    );
    return row!;
  });
}

/** Which destination a case belongs to (for the caller's scope check); null when there is no such case. */
export async function caseDestinationId(em: EntityManager, caseId: string): Promise<string | null> {
  const [row] = await sqlOf(em).query<{ destination_id: string }>('select destination_id from cases where id = $1', [caseId]);
  return row?.destination_id ?? null;
}

/**
 * The case's destination under lock. A case lives exactly as long as its destination (cascade), so
 * a destination deleted meanwhile — by the sweep, say — makes the case not found, never a foreign
 * key error.
 */
async function lockCaseDestination(sql: Sql, caseId: string): Promise<DestinationRow> {
  const [found] = await sql.query<{ destination_id: string }>('select destination_id from cases where id = $1', [caseId]);
  const destination = found ? await lockDestination(sql, found.destination_id) : null;
  if (!destination) throw caseNotFound(caseId);
  return destination;
}

export interface CaseEventRow {
  eventId: string;
  caseId: string;
  expiresAt: IsoTimestamp;
}

/**
 * A status update (a security event token), accepted in every state. It still takes the lock: the
 * deletion sweep decides on "every token expired" under the same lock, so a fresh token cannot be
 * added to a destination it is deleting.
 */
export async function addCaseEvent(em: EntityManager, e: { caseId: string; event: string; expiresAt: IsoTimestamp }): Promise<CaseEventRow> {
  return inTransaction(em, async ({ sql }) => {
    await lockCaseDestination(sql, e.caseId);
    const [row] = await sql.query<CaseEventRow>(
      `insert into case_events (case_id, event, expires_at) values ($1, $2, $3::timestamptz)
       returning id as "eventId", case_id as "caseId", ${isoMicros('expires_at')} as "expiresAt"`,
      [e.caseId, e.event, e.expiresAt],
    );
    return row!;
  });
}

export interface CaseReplyRow {
  replyId: string;
  caseId: string;
  createdAt: IsoTimestamp;
}

/** A reply on a case, refused once its destination is decommissioned. */
export async function addCaseReply(em: EntityManager, r: { caseId: string; payload?: unknown }): Promise<CaseReplyRow> {
  return inTransaction(em, async ({ sql }) => {
    assertAcceptsReplies(await lockCaseDestination(sql, r.caseId));
    const [row] = await sql.query<CaseReplyRow>(
      `insert into case_replies (case_id, payload) values ($1, $2::jsonb)
       returning id as "replyId", case_id as "caseId", ${isoMicros('inserted_at')} as "createdAt"`,
      [r.caseId, jsonb(r.payload)],
    );
    return row!;
  });
}
