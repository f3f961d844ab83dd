/**
 * The jabba job engine's statuses and rules (SPEC §2), as data plus pure guards.
 * Persistence applies these with set-based SQL; nothing here does I/O.
 */
import { DomainError, errorCodes, type ErrorCode } from '../platform/errors';
import type { FieldProblem } from '../platform/field-rules';

export const jobStatuses = ['PENDING', 'PROCESSED', 'FAILED'] as const;
export type JobStatus = (typeof jobStatuses)[number];

export const jobStrategies = ['SEQUENTIALLY', 'CONCURRENT'] as const;
export type JobStrategy = (typeof jobStrategies)[number];

export const taskStatuses = ['NEW', 'PENDING', 'CONSUMED', 'PROCESSED', 'FAILED', 'RESCUED', 'ABORTED'] as const;
export type TaskStatus = (typeof taskStatuses)[number];

/**
 * NEW: created, waiting for its turn (later steps of a SEQUENTIALLY job).
 * PENDING: handed to the queue. CONSUMED: taken by a worker outside a transaction (reserved for
 * handlers with external side effects; transactional handlers go PENDING → final atomically).
 * FAILED / RESCUED may go back to PENDING (retry failed); ABORTED back to NEW when a sequence resumes.
 */
export const taskTransitions: Readonly<Record<TaskStatus, readonly TaskStatus[]>> = {
  NEW: ['PENDING', 'ABORTED'],
  PENDING: ['CONSUMED', 'PROCESSED', 'FAILED', 'RESCUED', 'ABORTED'],
  CONSUMED: ['PROCESSED', 'FAILED', 'RESCUED', 'ABORTED'],
  PROCESSED: [],
  FAILED: ['PENDING'],
  RESCUED: ['PENDING'],
  ABORTED: ['NEW'],
};

export const unfinishedTaskStatuses: readonly TaskStatus[] = ['NEW', 'PENDING', 'CONSUMED'];
/**
 * "Failed" wherever a user sees it (progress, the error report, what a retry runs again): a failed
 * check (FAILED) or an exception (RESCUED). Both are the user's to act on.
 */
export const failedTaskStatuses: readonly TaskStatus[] = ['FAILED', 'RESCUED'];
/**
 * What cancelling (or a failed step of a SEQUENTIALLY job) aborts: tasks that have not run. A
 * CONSUMED task is running outside any transaction of ours and ends on its own.
 */
export const abortableTaskStatuses: readonly TaskStatus[] = ['NEW', 'PENDING'];

/** The statuses from which a task may move to `to`: the engine's SQL guards are built from this. */
export function statusesLeadingTo(to: TaskStatus): TaskStatus[] {
  return taskStatuses.filter((from) => taskTransitions[from].includes(to));
}

export function canTransition(from: TaskStatus, to: TaskStatus): boolean {
  return taskTransitions[from].includes(to);
}

/** Per-status task counts stored on the job row, kept in the same transaction as the tasks. */
export type TaskCounters = Record<TaskStatus, number> & { total: number };

export const emptyCounters = (): TaskCounters => ({
  total: 0, NEW: 0, PENDING: 0, CONSUMED: 0, PROCESSED: 0, FAILED: 0, RESCUED: 0, ABORTED: 0,
});

const countOf = (c: TaskCounters, statuses: readonly TaskStatus[]): number => statuses.reduce((n, s) => n + c[s], 0);

/** What a job's progress shows, by the same rule in GraphQL and REST. */
export interface JobProgress {
  total: number;
  /** Tasks not finished yet: NEW, PENDING or CONSUMED. */
  pending: number;
  processed: number;
  /** Tasks that failed a check (FAILED) or raised an exception (RESCUED). */
  failed: number;
  aborted: number;
}

export const progressOf = (c: TaskCounters): JobProgress => ({
  total: c.total,
  pending: countOf(c, unfinishedTaskStatuses),
  processed: c.PROCESSED,
  failed: countOf(c, failedTaskStatuses),
  aborted: c.ABORTED,
});

/** A job ends when no task is unfinished: PROCESSED if every task was, FAILED otherwise. */
export function jobOutcome(counters: TaskCounters): JobStatus {
  if (unfinishedTaskStatuses.some((s) => counters[s] > 0)) return 'PENDING';
  return counters.PROCESSED === counters.total ? 'PROCESSED' : 'FAILED';
}

export const isJobFinished = (status: JobStatus): boolean => status !== 'PENDING';

export function assertCancellable(jobId: string, status: JobStatus): void {
  if (isJobFinished(status)) throw new DomainError('CONFLICT', `Job ${jobId} has already ended`);
}

/** Retrying failed tasks is allowed once the job has ended with at least one of them. */
export function assertRetryable(jobId: string, status: JobStatus, counters: TaskCounters): void {
  if (!isJobFinished(status)) throw new DomainError('CONFLICT', `Job ${jobId} is still running`);
  if (failedTaskStatuses.every((s) => counters[s] === 0)) {
    throw new DomainError('CONFLICT', `Job ${jobId} has no failed tasks`);
  }
}

/** Error stored on a task: the shape of GraphQL `TaskError` (SPEC §2). */
export interface TaskError {
  message: string;
  /**
   * `errorId` only on a RESCUED task: the id of the worker's log line that holds the exception,
   * whose text the task never shows (it may hold input values, SQL or internals). `fields` only on
   * an import's VALIDATION_ERROR: the record's problems one by one, the message's parts in order.
   */
  extensions: { code: string; errorId?: string; fields?: FieldProblem[] };
  /**
   * Kept for a DomainError whose problem type is a public contract (FIT-Connect's
   * destination-state-invalid): enough for a caller waiting on the task to answer with that very
   * problem. Not part of GraphQL `TaskError`.
   */
  problem?: { code: ErrorCode; type: string; title: string | null };
}

export const rescuedCode = 'INTERNAL_ERROR';

/** What a RESCUED task says, whatever the exception was: something to quote, nothing to leak. */
export const rescuedMessage = (errorId: string): string =>
  `An unexpected error occurred; quote error id ${errorId} to your operator`;

/**
 * The DomainError a FAILED task's stored error stands for, for a caller that waited on the task and
 * answers with what the worker decided; null for an error that is no DomainError (RESCUED).
 */
export function domainErrorOf(error: TaskError): DomainError | null {
  if (error.problem) {
    const { code, type, title } = error.problem;
    return new DomainError(code, error.message, { problemType: type, ...(title === null ? {} : { problemTitle: title }) });
  }
  const { code, fields } = error.extensions;
  return (errorCodes as readonly string[]).includes(code) ? new DomainError(code as ErrorCode, error.message, fields ? { fields } : {}) : null;
}
