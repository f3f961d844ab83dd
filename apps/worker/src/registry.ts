/**
 * The worker's handler for each job type. Built from the worker's config and clock, since the
 * destination rules count days; typed over the catalog, so a job type without a handler does not
 * compile.
 */
import type { JobType } from '@jabba/domain/engine/catalog';
import type { TaskHandler } from '@jabba/domain/engine/handler';
import { deviceRegistryJobType } from '@jabba/domain/device-registry/column-rules';
import { destinationDeletionJobType, destinationTransitionJobType } from '@jabba/domain/destinations/job-contracts';
import { mergeCandidateJobType } from '@jabba/domain/merge-review/candidate-rules';
import { deviceRegistryHandler } from '@jabba/domain/device-registry/job';
import { destinationDeletionHandler } from '@jabba/domain/destinations/sweep';
import { destinationTransitionHandler } from '@jabba/domain/destinations/transition-job';
import { mergeCandidatesHandler } from '@jabba/domain/merge-review/candidate-import-job';

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
