/**
 * What a job type's handler implements. The engine calls it inside the transaction that records the
 * task's outcome (under a savepoint), so a handler's database writes commit exactly when its task
 * becomes PROCESSED, and a redelivered chunk can never apply them twice.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from '../runtime/logger';
import type { Sql } from '../db/sql';
import type { JobStrategy } from '../model/job-state';

export interface JobInfo {
  id: string;
  type: string;
  strategy: JobStrategy;
  meta: Record<string, unknown> | null;
  clientId: string | null;
  userId: string | null;
}

export interface TaskToRun {
  id: string;
  seq: number;
  name: string | null;
  priority: number;
  meta: Record<string, unknown> | null;
}

export interface TaskContext {
  job: JobInfo;
  em: EntityManager;
  sql: Sql;
  logger: Logger;
}

export interface TaskSuccess {
  result?: unknown;
  /** Merged into the task's meta (e.g. `{ databaseId }` of what the task created). */
  meta?: Record<string, unknown>;
}

/** Throw a DomainError for a logical failure (task FAILED); any other exception means RESCUED. */
export type TaskHandler = (task: TaskToRun, ctx: TaskContext) => Promise<TaskSuccess | void>;

export type TaskHandlers = Readonly<Record<string, TaskHandler>>;
