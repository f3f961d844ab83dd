/**
 * The scheduled deletion of destinations decommissioned long ago (SPEC §4). A maintenance run finds
 * the due ones with one set-based query and records the deletion as a jabba job, one task per
 * destination, so each run can be read like any other job; each task deletes its destination (and
 * everything below it) after checking again under the row lock. A run that finds nothing creates
 * no job: an empty job a day would only bury the runs that did something.
 */
import type { Queue } from 'bullmq';
import type { MikroORM } from '@mikro-orm/postgresql';
import { submit } from '../engine';
import type { Logger } from '../platform';
import { destinationDeletionJob, type DeletionDeps } from './jobs';
import { destinationsDueForDeletion } from './transitions';

export interface SweepDeps extends DeletionDeps {
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
  const { job } = await submit(deps.orm.em, deps.tasksQueue, destinationDeletionJob, {
    meta: { sweptAt: now.toISOString(), deleteAfterDays: deps.deleteAfterDays },
    // Ids in order: tasks lock their destinations in the same order as every other bulk job.
    tasks: due.map((destinationId) => ({ meta: { destinationId } })),
  });
  deps.logger.info({ jobId: job.id, destinations: due.length }, 'destination sweep: deletion job submitted');
  return job.id;
}
