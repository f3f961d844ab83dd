import type { JobType } from '@jabba/domain/jobs/job-types';
import type { TaskHandler } from '@jabba/domain/jobs/task-handler';

/** Every job type in the catalog has a handler here, or this does not compile. */
export const taskHandlers: { readonly [T in JobType]: TaskHandler } = {};
