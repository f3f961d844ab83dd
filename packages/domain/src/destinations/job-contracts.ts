/**
 * The destination lifecycle's work on the queue (SPEC §4): status transitions (one PATCH or a bulk
 * request) and the scheduled deletion sweep, as jabba jobs. Names and task meta are contracts the
 * api, the worker and stored jobs share, so they live here once.
 */
import { z } from 'zod';
import { destinationStatuses } from './rules';

export const destinationTransitionJobType = 'destination_status_transition';
export const destinationTransitionJobName = 'Destination status transition';
export const destinationTransitionTaskName = 'Change destination status';

export const destinationDeletionJobType = 'destination_deletion';
export const destinationDeletionJobName = 'Delete expired decommissioned destinations';
export const destinationDeletionTaskName = 'Delete destination';

/**
 * Which destinations a transition job may touch. A PATCH was authorized by the destination's own
 * scope (`manage:destination:{id}`); a bulk request only by `create_destination`, which covers
 * the caller's client's destinations and nothing else.
 */
export const transitionReaches = ['destination', 'client'] as const;
export type TransitionReach = (typeof transitionReaches)[number];

export const destinationTransitionJobMeta = z.object({
  reach: z.enum(transitionReaches),
  /** The status asked for, so a reader of the job sees the request without opening its tasks. */
  status: z.enum(destinationStatuses),
});
export type DestinationTransitionJobMeta = z.infer<typeof destinationTransitionJobMeta>;

/**
 * Any status, `created` included: a bulk request asking for one is refused task by task by the
 * transition table (destination-state-invalid), exactly as a PATCH is.
 */
export const destinationTransitionTaskMeta = z.object({
  destinationId: z.uuid(),
  status: z.enum(destinationStatuses),
});
export type DestinationTransitionTaskMeta = z.infer<typeof destinationTransitionTaskMeta>;

export const destinationDeletionTaskMeta = z.object({ destinationId: z.uuid() });
export type DestinationDeletionTaskMeta = z.infer<typeof destinationDeletionTaskMeta>;

/** Largest bulk transition request: one job, one task per destination. */
export const maxBulkTransition = 1000;
