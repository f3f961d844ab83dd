/**
 * The one JSON shape of a destination (FIT-Connect's field names), shared by every route and
 * resolver that answers with one — create, read, list, PATCH — so they cannot drift apart.
 */
import type { DestinationRow, DestinationStatus } from '@jabba/domain/destinations';

export interface DestinationView {
  destinationId: string;
  name: string;
  status: DestinationStatus;
  statusChangedAt: string;
  /** The row's `inserted_at`. */
  createdAt: string;
  updatedAt: string;
}

export const destinationPath = (destinationId: string): string => `/v1/destinations/${destinationId}`;

export const destinationView = (row: DestinationRow): DestinationView => ({
  destinationId: row.id,
  name: row.name,
  status: row.status,
  statusChangedAt: row.statusChangedAt,
  createdAt: row.insertedAt,
  updatedAt: row.updatedAt,
});
