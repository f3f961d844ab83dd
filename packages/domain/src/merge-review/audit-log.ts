/**
 * The audit log of manual merge review (SPEC §5): every change of a candidate or a request writes
 * one row, in the transaction of the change, so the log holds exactly what committed. One place
 * for the insert keeps the row's shape (actor, resource = table name, resource id, changeset) the
 * same for every writer.
 */
import type { Sql } from '../platform';

/** The tables whose changes are audited; the resource column holds the table name. */
export type AuditResource = 'manual_merge_candidates' | 'manual_merge_requests';

export interface AuditEntry {
  /** The user who made the change (the token's user id); null for a system change. */
  actorId: string | null;
  resource: AuditResource;
  resourceId: string;
  /** The changed fields with their new values, e.g. `{ status: 'NEW' }`. */
  changeset: Record<string, unknown>;
}

/** Writes one audit row on `sql`, which must be the transaction of the change. */
export async function audit(sql: Sql, entry: AuditEntry): Promise<void> {
  await auditMany(sql, [entry]);
}

/** Writes one audit row per entry in one statement (a set-based change audits each row it touched). */
export async function auditMany(sql: Sql, entries: readonly AuditEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await sql.query(
    `insert into audit_log (actor_id, resource, resource_id, changeset)
     select e.actor_id, e.resource, e.resource_id, e.changeset
     from jsonb_to_recordset($1::jsonb) as e(actor_id uuid, resource text, resource_id uuid, changeset jsonb)`,
    [JSON.stringify(entries.map((e) => ({ actor_id: e.actorId, resource: e.resource, resource_id: e.resourceId, changeset: e.changeset })))],
  );
}
