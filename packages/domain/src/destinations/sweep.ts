/**
 * The scheduled deletion of destinations decommissioned long ago (SPEC §4). A maintenance run finds
 * the due ones with one set-based query and records the deletion as a jabba job, one task per
 * destination, so each run can be read like any other job; each task deletes its destination (and
 * everything below it) after checking again under the row lock. A run that finds nothing creates
 * no job: an empty job a day would only bury the runs that did something.
 */
import type { Queue } from 'bullmq';
import type { MikroORM } from '@mikro-orm/postgresql';
import { deleteDueDestination, destinationsDueForDeletion } from '@jabba/domain/destinations/transitions';
import { jobTypes } from '@jabba/domain/engine/catalog';
import { submitJob } from '@jabba/domain/engine/submit';
import type { TaskHandler } from '@jabba/domain/engine/handler';
import {
  destinationDeletionJobName, destinationDeletionJobType, destinationDeletionTaskMeta, destinationDeletionTaskName,
} from '@jabba/domain/destinations/job-contracts';
import type { Logger } from '@jabba/domain/platform/logger';

export interface DeletionRules {
  now: () => Date;
  /** DESTINATION_DELETE_AFTER_DAYS. */
  deleteAfterDays: number;
}

export const destinationDeletionHandler = (rules: DeletionRules): TaskHandler => ({
  kind: 'each',
  async run(task, { sql }) {
    const { destinationId } = destinationDeletionTaskMeta.parse(task.meta);
    // What was deleted stays readable in the task once the row is gone.
    return { result: await deleteDueDestination(sql, destinationId, rules.now(), rules.deleteAfterDays) };
  },
});

export interface SweepDeps extends DeletionRules {
  orm: MikroORM;
  tasksQueue: Queue;
  logger: Logger;
}

/** One sweep: the id of the deletion job it submitted, or null when nothing was due. */
export async function sweepDestinations(deps: SweepDeps): Promise<string | null> {
  const now = deps.now();
  const due = await destinationsDueForDeletion(deps.orm.em.fork(), now, deps.deleteAfterDays);
  if (due.length === 0) {
    deps.logger.info({ deleteAfterDays: deps.deleteAfterDays }, 'destination sweep: nothing to delete');
    return null;
  }
  const { strategy, chunkSize } = jobTypes[destinationDeletionJobType];
  const { job } = await submitJob(deps.orm.em, deps.tasksQueue, {
    type: destinationDeletionJobType,
    name: destinationDeletionJobName,
    strategy,
    chunkSize,
    meta: { sweptAt: now.toISOString(), deleteAfterDays: deps.deleteAfterDays },
    // Ids in order: tasks lock their destinations in the same order as every other bulk job.
    tasks: due.map((destinationId) => ({ name: destinationDeletionTaskName, meta: { destinationId } })),
  });
  deps.logger.info({ jobId: job.id, destinations: due.length }, 'destination sweep: deletion job submitted');
  return job.id;
}
