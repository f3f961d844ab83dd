/**
 * The catalog of job types. Each domain adds its entry here; the worker's handler map is typed over
 * this catalog, so a job type without a handler does not compile.
 */
import type { JobStrategy } from './status-rules';
import { deviceRegistryJobType } from '../device-registry/column-rules';
import { destinationDeletionJobType, destinationTransitionJobType } from '../destinations/job-contracts';
import { mergeCandidateJobType } from '../merge-review/candidate-rules';

export interface JobTypeSpec {
  strategy: JobStrategy;
  /** Tasks per queue message; bulk types want large chunks, interactive ones small. */
  chunkSize: number;
}

export const jobTypes = {
  [deviceRegistryJobType]: { strategy: 'CONCURRENT', chunkSize: 1000 },
  // A chunk holds its destinations' row locks until it commits: small chunks keep a PATCH waiting
  // behind a bulk job briefly, and let several workers share a bulk job.
  [destinationTransitionJobType]: { strategy: 'CONCURRENT', chunkSize: 25 },
  // Each task deletes a destination with everything below it (cascade): a few per transaction.
  [destinationDeletionJobType]: { strategy: 'CONCURRENT', chunkSize: 10 },
  // Bulk, set-based like the device registry; chunks naming the same person take turns on its row.
  [mergeCandidateJobType]: { strategy: 'CONCURRENT', chunkSize: 1000 },
} as const satisfies Record<string, JobTypeSpec>;

export type JobType = keyof typeof jobTypes;
