/**
 * The destination lifecycle's work on the queue (SPEC §4) as job types: status transitions (one
 * PATCH, or a bulk request) and the scheduled deletion, one task per destination each. Both take
 * the destination's row lock before they ask the rules, so what the api checked earlier is checked
 * again against the row as it is now: of two PATCHes racing on one destination the second finds
 * the first's status and fails with destination-state-invalid, which the PATCH then answers with.
 */
import type { Queue } from 'bullmq';
import type { EntityManager } from '@mikro-orm/postgresql';
import { z } from 'zod';
import { defineJobType, genericJobView, type JobWrite, submit } from '../engine';
import { destinationDeletionAccess, destinationTransitionAccess } from './policy';
import { destinationStatuses, type DestinationStatus } from './rules';
import { applyTransition, deleteDueDestination } from './transitions';

/**
 * Which destinations a transition job may touch. PATCH and bulk requests are authorized by each
 * destination's own scope (`manage:destination:{id}`), which reaches that destination whoever owns
 * it. `client` (the caller's client's destinations only) is how bulk jobs were authorized before
 * they needed those scopes; stored jobs still carry it, so the handler still honours it.
 */
export const transitionReaches = ['destination', 'client'] as const;
export type TransitionReach = (typeof transitionReaches)[number];

/** Largest bulk transition request: one job, one task per destination. */
export const maxBulkTransition = 1000;

export interface TransitionDeps {
  now: () => Date;
  /** DESTINATION_MIN_INACTIVE_DAYS. */
  minInactiveDays: number;
}

export const destinationTransitionJob = defineJobType({
  type: 'destination_status_transition',
  name: 'Destination status transition',
  taskName: 'Change destination status',
  // A chunk holds its destinations' row locks until it commits: small chunks keep a PATCH waiting
  // behind a bulk job briefly, and let several workers share a bulk job.
  strategy: 'CONCURRENT',
  chunkSize: 25,
  // The status asked for is kept on the job too, so a reader sees the request without its tasks.
  jobMeta: z.object({ reach: z.enum(transitionReaches), status: z.enum(destinationStatuses) }),
  // Any status, `created` included: a bulk request asking for one is refused task by task by the
  // transition table (destination-state-invalid), exactly as a PATCH is.
  taskMeta: z.object({ destinationId: z.uuid(), status: z.enum(destinationStatuses) }),
  taskInput: z.null(),
  graphqlType: genericJobView,
  access: destinationTransitionAccess,
  handler: (deps: TransitionDeps) => ({
    kind: 'each',
    async run(task, { job, sql }) {
      const row = await applyTransition(sql, {
        destinationId: task.meta.destinationId,
        to: task.meta.status,
        now: deps.now(),
        rules: { minInactiveDays: deps.minInactiveDays },
        ...(job.meta.reach === 'client' ? { ownerClientId: job.clientId } : {}),
      });
      return { result: { status: row.status, statusChangedAt: row.statusChangedAt } };
    },
  }),
});

export interface DeletionDeps {
  now: () => Date;
  /** DESTINATION_DELETE_AFTER_DAYS. */
  deleteAfterDays: number;
}

export const destinationDeletionJob = defineJobType({
  type: 'destination_deletion',
  name: 'Delete expired decommissioned destinations',
  taskName: 'Delete destination',
  // Each task deletes a destination with everything below it (cascade): a few per transaction.
  strategy: 'CONCURRENT',
  chunkSize: 10,
  jobMeta: z.object({ sweptAt: z.iso.datetime(), deleteAfterDays: z.number().int().nonnegative() }),
  taskMeta: z.object({ destinationId: z.uuid() }),
  taskInput: z.null(),
  graphqlType: genericJobView,
  access: destinationDeletionAccess,
  handler: (deps: DeletionDeps) => ({
    kind: 'each',
    // What was deleted stays readable in the task once the row is gone.
    run: async (task, { sql }) => ({ result: await deleteDueDestination(sql, task.meta.destinationId, deps.now(), deps.deleteAfterDays) }),
  }),
});

export interface TransitionRequest {
  clientId: string;
  userId: string;
  reach: TransitionReach;
  status: DestinationStatus;
  destinationIds: readonly string[];
}

/**
 * One transition job, one task per destination, in id order: every transition job locks
 * destinations in that order, so two bulk jobs over the same destinations wait for each other
 * instead of deadlocking.
 */
export function submitTransitions(em: EntityManager, queue: Queue, r: TransitionRequest): Promise<JobWrite> {
  const ids = [...new Set(r.destinationIds.map((d) => d.toLowerCase()))].sort();
  return submit(em, queue, destinationTransitionJob, {
    clientId: r.clientId,
    userId: r.userId,
    meta: { reach: r.reach, status: r.status },
    tasks: ids.map((destinationId) => ({ meta: { destinationId, status: r.status } })),
  });
}
