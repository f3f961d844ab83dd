/**
 * The worker's handler for each job type, built from the job catalog with what the handlers need
 * from the worker: its clock and the rules of its configuration. `JobHandlerDeps` is the union of
 * what the catalog's handlers declare, so a handler needing a value the worker does not give does
 * not compile.
 */
import { jobHandlers, type JobHandlerDeps } from '@jabba/domain/job-catalog';
import type { HandlerRegistry } from '@jabba/domain/engine';
import type { WorkerConfig } from './config';
import { withTestCrash } from './test-hooks';

export const handlerDepsOf = (config: WorkerConfig, now: () => Date): JobHandlerDeps => ({
  now,
  minInactiveDays: config.DESTINATION_MIN_INACTIVE_DAYS,
  deleteAfterDays: config.DESTINATION_DELETE_AFTER_DAYS,
});

export const createHandlers = (config: WorkerConfig, now: () => Date = () => new Date()): HandlerRegistry =>
  withTestCrash(jobHandlers(handlerDepsOf(config, now)), config.WORKER_TEST_CRASH_ON_MODEL);
