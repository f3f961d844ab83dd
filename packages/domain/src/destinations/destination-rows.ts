/**
 * Reading destinations: one row shape for the api (timestamps with microseconds, as text) and the
 * worker (which locks the row before it changes the status). Writes live with their use cases.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { DestinationState, DestinationStatus } from './rules';
import { isoMicros, type IsoTimestamp, type Raw, type Sql, sqlOf } from '../platform';

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

/**
 * One destination, or null. With `lock`, the row is taken `for update` inside the caller's
 * transaction, so concurrent changes queue behind it.
 */
export async function selectDestination(sql: Sql, id: string, { lock = false }: { lock?: boolean } = {}): Promise<DestinationRow | null> {
  const [row] = await sql.query<Raw>(`select ${destinationColumns} from destinations d where d.id = $1${lock ? ' for update' : ''}`, [id]);
  return row ? toDestination(row) : null;
}

export const findDestination = (em: EntityManager, id: string): Promise<DestinationRow | null> => selectDestination(sqlOf(em), id);

/** The row under `for update`, inside the caller's transaction: concurrent changes queue behind it. */
export const lockDestination = (sql: Sql, id: string): Promise<DestinationRow | null> => selectDestination(sql, id, { lock: true });
