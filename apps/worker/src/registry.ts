import type { JobType } from '@jabba/domain/jobs/job-types';
import type { TaskHandler } from '@jabba/domain/jobs/task-handler';
import { deviceRegistryJobType } from '@jabba/domain/model/device-registry';
import { deviceRegistryHandler } from './processors/device-registry';

/** Every job type in the catalog has a handler here, or this does not compile. */
export const taskHandlers: { readonly [T in JobType]: TaskHandler } = {
  [deviceRegistryJobType]: deviceRegistryHandler,
};
