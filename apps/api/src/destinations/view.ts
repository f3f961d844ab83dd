/**
 * The one JSON shape of a destination (FIT-Connect's field names), shared by every route and
 * resolver that answers with one — create, read, list, PATCH — so they cannot drift apart.
 */
import { decommissionAllowedFrom, type DestinationRow, type DestinationStatus, type TransitionRules } from '@jabba/domain/destinations';

export interface DestinationView {
  destinationId: string;
  name: string;
  status: DestinationStatus;
  statusChangedAt: string;
  /** The row's `inserted_at`. */
  createdAt: string;
  updatedAt: string;
  /**
   * While inactive: the instant from which a PATCH to `decommissioned` is allowed
   * (`statusChangedAt` + DESTINATION_MIN_INACTIVE_DAYS); null in every other status.
   */
  decommissionAllowedFrom: string | null;
}

export const destinationPath = (destinationId: string): string => `/v1/destinations/${destinationId}`;

export const destinationView = (row: DestinationRow, rules: TransitionRules): DestinationView => ({
  destinationId: row.id,
  name: row.name,
  status: row.status,
  statusChangedAt: row.statusChangedAt,
  createdAt: row.insertedAt,
  updatedAt: row.updatedAt,
  decommissionAllowedFrom: decommissionAllowedFrom(row, rules),
});
