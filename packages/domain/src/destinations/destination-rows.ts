/**
 * Reading destinations: one row shape for the api (timestamps with microseconds, as text) and the
 * worker (which locks the row before it changes the status). Writes live with their use cases.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { DestinationState, DestinationStatus } from './rules';
import type { IsoTimestamp } from '../engine/job-reads';
import type { Raw } from '../platform/keyset';
import { isoMicros, type Sql } from '../platform/sql';

export interface DestinationRow {
  id: string;
  name: string;
  clientId: string | null;
  status: DestinationStatus;
  statusChangedAt: IsoTimestamp;
  insertedAt: IsoTimestamp;
  updatedAt: IsoTimestamp;
}

export const destinationColumns = `d.id, d.name, d.client_id, d.status, ${isoMicros('d.status_changed_at')} as status_changed_at,
  ${isoMicros('d.inserted_at')} as inserted_at, ${isoMicros('d.updated_at')} as updated_at`;

export const toDestination = (r: Raw): DestinationRow => ({
  id: r.id as string,
  name: r.name as string,
  clientId: r.client_id as string | null,
  status: r.status as DestinationStatus,
  statusChangedAt: r.status_changed_at as string,
  insertedAt: r.inserted_at as string,
  updatedAt: r.updated_at as string,
});

/** What the lifecycle rules need of a row. */
export const stateOf = (d: DestinationRow): DestinationState => ({ id: d.id, status: d.status, statusChangedAt: new Date(d.statusChangedAt) });

export async function findDestination(em: EntityManager, id: string): Promise<DestinationRow | null> {
  const rows = await em.execute<Raw[]>(`select ${destinationColumns} from destinations d where d.id = ?`, [id]);
  return rows[0] ? toDestination(rows[0]) : null;
}

/** The row under `for update`, inside the caller's transaction: concurrent changes queue behind it. */
export async function lockDestination(sql: Sql, id: string): Promise<DestinationRow | null> {
  const [row] = await sql.query<Raw>(`select ${destinationColumns} from destinations d where d.id = $1 for update`, [id]);
  return row ? toDestination(row) : null;
}
