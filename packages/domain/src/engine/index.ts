/** The job engine: the jabba tables, the job catalog contract, submitting, running and reading jobs. */
export { assertJobAccess, authorizeJob, defineJobType, genericJobView, handlerRegistry, isPerJobCheck, perJobCheck, type HandlerDeps, type HandlerRegistry, type JobAccess, type JobCheck, type JobSubject } from './catalog';
export { chunkAttempts, countChunkAttempt, halves, narrowChunk, type Narrowed } from './chunk-attempts';
export { runChunk, type ChunkReport } from './chunk-runner';
export { assertQueueAnswers, ChunksNotQueued, enqueueChunks, queueErrorListener } from './enqueue';
export { handlerExecutor, rescueExecutor, type Executor, type Outcome } from './executor';
export { type BatchOutcome, type StoredTask, type TaskContext, type TaskHandler, type TaskToRun } from './handler';
export { pageJobs, type JobListOrder } from './job-listing';
export { findJob, findJobs, findTask, pageTasks, pageTasksOfJobs, type JobRow, type TaskKey, type TaskOrder, type TaskPage, type TaskPageQuery, type TaskRow, taskInputs } from './job-reads';
export { createJob, type NewJob, type TaskInput } from './job-create';
export { cancelJob, type JobRecord, type JobWrite } from './job-writes';
export { findMaintenanceRun, maintenanceRunNames, recordMaintenanceRun, type MaintenanceRun } from './maintenance-runs';
export { operationsScopes, readQueues } from './operations-policy';
export { queueNames, reconcileJobName, taskChunkJobId, taskChunkJobName, taskChunkPayload, type TaskChunkPayload } from './queues';
export { chunksToReconcile } from './reconcile';
export { deleteEndedJobs, type RetentionOptions, type RetentionResult } from './retention';
export { domainErrorOf, jobStatuses, jobStrategies, progressOf, taskStatuses, type JobProgress, type JobStatus, type TaskStatus } from './status-rules';
export { retryJob, submit, submitJob, type NewTask } from './submit';
export { taskErrors, type TaskErrorLine } from './task-errors';
