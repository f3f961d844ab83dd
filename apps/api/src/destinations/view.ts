/**
 * The one JSON shape of a destination (FIT-Connect's field names), shared by every route and
 * resolver that answers with one — create, read, list, PATCH — so they cannot drift apart.
 */
import { decommissionAllowedFrom, type DestinationRow, type DestinationStatus, destinationStatuses, type TransitionRules } from '@jabba/domain/destinations';
import { z } from '../platform/openapi';

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

const timestamp = z.string().openapi({ description: 'ISO 8601, UTC, microseconds', example: '2026-11-22T10:29:32.099359Z' });

export const destinationSchema = z
  .strictObject({
    destinationId: z.uuid(),
    name: z.string(),
    status: z.enum(destinationStatuses),
    statusChangedAt: timestamp,
    createdAt: timestamp,
    updatedAt: timestamp,
    decommissionAllowedFrom: timestamp.nullable().openapi({ description: 'While inactive: from when a PATCH to `decommissioned` is allowed; null otherwise' }),
  })
  .openapi('Destination');

export const submissionSchema = z.strictObject({ submissionId: z.uuid(), caseId: z.uuid(), destinationId: z.uuid(), createdAt: timestamp }).openapi('Submission');
export const caseEventSchema = z.strictObject({ eventId: z.uuid(), caseId: z.uuid(), expiresAt: timestamp }).openapi('CaseEvent');
export const caseReplySchema = z.strictObject({ replyId: z.uuid(), caseId: z.uuid(), createdAt: timestamp }).openapi('CaseReply');

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
