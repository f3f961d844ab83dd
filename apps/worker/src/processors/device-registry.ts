/**
 * The device registry import's task handler: TODO(issue 3).
 */
import type { TaskHandler } from '@jabba/domain/jobs/task-handler';

export const deviceRegistryHandler: TaskHandler = {
  kind: 'batch',
  run: () => Promise.reject(new Error('not implemented yet')),
};
