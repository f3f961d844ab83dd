/**
 * Queue contracts shared by the api and the worker. Queue names are never renamed: messages
 * outlive deploys. Payload schemas only grow compatibly.
 */
import type { DefaultJobOptions } from 'bullmq';
import { z } from 'zod';

export const queueNames = {
  /** Chunks of tasks of jabba jobs; every job type shares it. */
  tasks: 'jabba-tasks',
  /** Engine housekeeping: the reconciler's scheduled runs. */
  maintenance: 'jabba-maintenance',
  /** Reviewer assignment requests (SPEC §5): the api adds one and awaits the worker's answer. */
  mergeAssignments: 'merge-assignments',
  /** Person-deactivation events of settled MERGE decisions, for the person registry (SPEC §5). */
  personDeactivation: 'person-deactivation',
} as const;

export const taskChunkPayload = z.object({
  jobId: z.uuid(),
  /** Bumped by "retry failed": keeps BullMQ's job-id de-duplication per round of work. */
  epoch: z.number().int().nonnegative(),
  /** Inclusive range of task positions (`tasks.seq`) this message covers. */
  fromSeq: z.number().int().positive(),
  toSeq: z.number().int().positive(),
  /**
   * A piece of a chunk split after too many attempts (chunk-attempts.ts): any range, not an aligned
   * chunk. It has an id of its own, so that the chunk's message, still active while it splits, does
   * not swallow it.
   */
  piece: z.literal(true).optional(),
});
export type TaskChunkPayload = z.infer<typeof taskChunkPayload>;

export const taskChunkJobName = 'run-task-chunk';
export const reconcileJobName = 'reconcile-unfinished-jobs';

/**
 * Deterministic BullMQ job id: adding a chunk that is already queued or running is a no-op, which
 * is what lets the reconciler re-add everything Postgres says is unfinished.
 */
export const taskChunkJobId = (p: TaskChunkPayload): string =>
  (p.piece ? `${p.jobId}.${p.epoch}.${p.fromSeq}-${p.toSeq}` : `${p.jobId}.${p.epoch}.${p.fromSeq}`);

export const taskChunkJobOptions: DefaultJobOptions = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 500 },
  // Postgres keeps the record of the work; Redis only what is in flight.
  removeOnComplete: true,
  removeOnFail: true,
};

export const defaultChunkSize = 1000;
