/**
 * What a job type's handler implements. The engine calls it inside the transaction that records the
 * task's outcome (under a savepoint), so a handler's database writes commit exactly when its task
 * becomes PROCESSED, and a redelivered chunk can never apply them twice. The engine parses the job's
 * meta and each task's meta and input with the job type's schemas before it calls the handler.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { DomainError, Logger, TxSql } from '../platform';
import type { JobStrategy } from './status-rules';

export interface JobInfo<JobMeta = unknown> {
  id: string;
  type: string;
  strategy: JobStrategy;
  meta: JobMeta;
  clientId: string | null;
  userId: string | null;
}

export interface TaskToRun<TaskMeta = unknown, TaskInput = unknown> {
  id: string;
  seq: number;
  name: string | null;
  priority: number;
  meta: TaskMeta;
  /** What the task's creator gave it to work on (e.g. a raw CSV record). */
  input: TaskInput;
}

/** A task as the chunk runner claims it, before the job type's schemas have read it. */
export type StoredTask = TaskToRun<Record<string, unknown> | null, string | null>;

export interface TaskContext<JobMeta = unknown> {
  job: JobInfo<JobMeta>;
  em: EntityManager;
  sql: TxSql;
  logger: Logger;
}

export interface TaskSuccess {
  result?: unknown;
  /** Merged into the task's meta (e.g. `{ databaseId }` of what the task created). */
  meta?: Record<string, unknown>;
}

/** A batch handler's verdict on one task: done, or a logical failure (task FAILED). */
export type BatchOutcome = ({ ok: true } & TaskSuccess) | { ok: false; error: DomainError };

/**
 * `each`: runs one task under its own savepoint; throw a DomainError for a logical failure (FAILED),
 * anything else means RESCUED. About 3k tasks/s: right for small or interactive job types.
 *
 * `batch`: runs a whole chunk with set-based SQL and returns one outcome per task, in order; one
 * savepoint per chunk (measured ~6x faster than `each`). If it throws, the chunk's writes are rolled
 * back and its tasks are run again one at a time, so only the culprit ends RESCUED: a batch handler
 * must therefore only write to the database. SEQUENTIALLY jobs always run one task at a time.
 *
 * `run` is a method (not a function property) on purpose: methods compare bivariantly, which lets a
 * catalog hold handlers of different meta types side by side.
 */
export type TaskHandler<JobMeta = unknown, TaskMeta = unknown, TaskInput = unknown> =
  | { kind: 'each'; run(task: TaskToRun<TaskMeta, TaskInput>, ctx: TaskContext<JobMeta>): Promise<TaskSuccess | void> }
  | { kind: 'batch'; run(tasks: TaskToRun<TaskMeta, TaskInput>[], ctx: TaskContext<JobMeta>): Promise<BatchOutcome[]> };
