/**
 * The worker's writes on destinations (SPEC §4): a status transition and the scheduled deletion.
 * Both run inside a chunk's transaction, take the destination's row lock first and only then ask
 * the pure rules, so what the api checked earlier is checked again against the row as it is now:
 * two transitions of one destination queue on the lock, and the second sees the first's result.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import {
  assertTransition, destinationNotFound, destinationStateInvalid, dueForDeletion,
  type DestinationStatus, type TransitionRules,
} from './rules';
import { destinationColumns, lockDestination, stateOf, toDestination, type DestinationRow } from './destination-rows';
import { type Raw, type Sql, sqlOf } from '../platform';

export interface TransitionRequest {
  destinationId: string;
  to: DestinationStatus;
  now: Date;
  rules: TransitionRules;
  /** When set, a destination of another client is "not found" (a bulk request's reach). */
  ownerClientId?: string | null;
}

/** Moves one destination to `to` at `now`, or throws destination-not-found / destination-state-invalid. */
export async function applyTransition(sql: Sql, t: TransitionRequest): Promise<DestinationRow> {
  const row = await lockDestination(sql, t.destinationId);
  if (!row || (t.ownerClientId !== undefined && row.clientId !== t.ownerClientId)) throw destinationNotFound(t.destinationId);
  assertTransition(stateOf(row), t.to, t.now, t.rules);
  // The injected clock, not now(): the 30-day rule and the stored timestamp must agree.
  const [updated] = await sql.query<Raw>(
    `update destinations d set status = $2, status_changed_at = $3, updated_at = $3 where d.id = $1 returning ${destinationColumns}`,
    [t.destinationId, t.to, t.now],
  );
  return toDestination(updated!);
}

const dayMs = 24 * 60 * 60 * 1000;

/**
 * The latest `status_changed_at` that is "more than `deleteAfterDays` whole days" before `now`, as
 * `dueForDeletion` counts them (days rounded down): the set-based query and the per-row re-check
 * must agree, or the sweep would queue destinations its tasks then refuse.
 */
const decommissionedBy = (now: Date, deleteAfterDays: number): Date => new Date(now.getTime() - (deleteAfterDays + 1) * dayMs);

/**
 * Ids of the destinations the sweep deletes at `now`: decommissioned long enough, and no event
 * token of any of their cases still valid. In id order, which is the order their tasks lock them.
 */
export async function destinationsDueForDeletion(em: EntityManager, now: Date, deleteAfterDays: number): Promise<string[]> {
  const rows = await sqlOf(em).query<{ id: string }>(
    `select d.id from destinations d
     where d.status = 'decommissioned' and d.status_changed_at <= $1
       and not exists (
         select 1 from cases c join case_events e on e.case_id = c.id
         where c.destination_id = d.id and e.expires_at > $2)
     order by d.id`,
    [decommissionedBy(now, deleteAfterDays), now],
  );
  return rows.map((r) => r.id);
}

async function unexpiredTokens(sql: Sql, destinationId: string, now: Date): Promise<number> {
  const [row] = await sql.query<{ n: number }>(
    `select count(*)::int as n from cases c join case_events e on e.case_id = c.id where c.destination_id = $1 and e.expires_at > $2`,
    [destinationId, now],
  );
  return row?.n ?? 0;
}

export interface DeletedDestination {
  name: string;
  clientId: string | null;
  statusChangedAt: string;
}

/**
 * Deletes one destination found due, with its cases, submissions, events and replies (cascade, in
 * the caller's transaction), after asking again under its lock: a case event is added under the
 * same lock, so a token that arrived since the sweep looked keeps the destination.
 */
export async function deleteDueDestination(sql: Sql, destinationId: string, now: Date, deleteAfterDays: number): Promise<DeletedDestination> {
  const row = await lockDestination(sql, destinationId);
  if (!row) throw destinationNotFound(destinationId);
  if (!dueForDeletion(stateOf(row), now, deleteAfterDays, await unexpiredTokens(sql, destinationId, now))) {
    throw destinationStateInvalid(destinationId);
  }
  await sql.query('delete from destinations where id = $1', [destinationId]);
  return { name: row.name, clientId: row.clientId, statusChangedAt: row.statusChangedAt };
}
