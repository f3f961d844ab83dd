/**
 * The worker's handler for each job type. Built from the worker's config and clock, since the
 * destination rules count days; typed over the catalog, so a job type without a handler does not
 * compile.
 */
import type { JobType } from '@jabba/domain/jobs/job-types';
import type { TaskHandler } from '@jabba/domain/jobs/task-handler';
import { deviceRegistryJobType } from '@jabba/domain/model/device-registry';
import { destinationDeletionJobType, destinationTransitionJobType } from '@jabba/domain/model/destination-jobs';
import { mergeCandidateJobType } from '@jabba/domain/model/merge-candidate-record';
import { deviceRegistryHandler } from './processors/device-registry';
import { destinationDeletionHandler } from './processors/destination-sweep';
import { destinationTransitionHandler } from './processors/destination-transition';
import { mergeCandidatesHandler } from './processors/merge-candidates';

export interface HandlerDeps {
  now: () => Date;
  /** DESTINATION_MIN_INACTIVE_DAYS. */
  minInactiveDays: number;
  /** DESTINATION_DELETE_AFTER_DAYS. */
  deleteAfterDays: number;
}

export const createTaskHandlers = (deps: HandlerDeps): { readonly [T in JobType]: TaskHandler } => ({
  [deviceRegistryJobType]: deviceRegistryHandler,
  [destinationTransitionJobType]: destinationTransitionHandler(deps),
  [destinationDeletionJobType]: destinationDeletionHandler(deps),
  [mergeCandidateJobType]: mergeCandidatesHandler,
});
