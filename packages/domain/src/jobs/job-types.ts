/**
 * The catalog of job types. Each domain adds its entry here; the worker's handler map is typed over
 * this catalog, so a job type without a handler does not compile.
 */
import type { JobStrategy } from '../model/job-state';
import { deviceRegistryJobType } from '../model/device-registry';

export interface JobTypeSpec {
  strategy: JobStrategy;
  /** Tasks per queue message; bulk types want large chunks, interactive ones small. */
  chunkSize: number;
}

export const jobTypes = {
  [deviceRegistryJobType]: { strategy: 'CONCURRENT', chunkSize: 1000 },
} as const satisfies Record<string, JobTypeSpec>;

export type JobType = keyof typeof jobTypes;
