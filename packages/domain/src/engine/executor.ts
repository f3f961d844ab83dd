/**
 * Decides the outcome of each claimed task of a chunk by calling its job type's handler, inside the
 * chunk's transaction. Savepoints confine a failed or rescued task's writes to itself. The job's and
 * the tasks' stored meta and input are read with the job type's schemas first: what does not parse
 * was written by a bug, not by the user, so it is RESCUED and never reaches the handler.
 *
 * A RESCUED task shows a generic message and an error id, never the exception's text (it may hold
 * input values, SQL, internals); one error-level log line with the same id, the job's and the
 * tasks' ids holds the details, for the operator the user quotes the id to.
 */
import { randomUUID } from 'node:crypto';
import { isDomainError, isTransientDatabaseError, type DomainError, type Logger } from '../platform';
import type { HandlerRegistry, RegisteredJobType } from './catalog';
import type { BatchOutcome, StoredTask, TaskContext, TaskHandler, TaskSuccess, TaskToRun } from './handler';
import { rescuedCode, rescuedMessage, type TaskError } from './status-rules';

export type Final = 'PROCESSED' | 'FAILED' | 'RESCUED';

export interface Outcome {
  status: Final;
  result: unknown;
  error: TaskError | null;
  meta: Record<string, unknown> | null;
}

/** Returns outcomes for a prefix of `tasks` (all of them unless `stopAtFailure` cut it short). */
export type Executor = (tasks: StoredTask[], ctx: TaskContext<Record<string, unknown> | null>, stopAtFailure: boolean) => Promise<Outcome[]>;

const processed = (done: TaskSuccess | void): Outcome => ({ status: 'PROCESSED', result: done?.result ?? null, error: null, meta: done?.meta ?? null });

/**
 * A failed task's code: the name of the error's contractual problem type when it has one (e.g.
 * FIT-Connect's `destination-state-invalid`), which says more than the generic code it maps to.
 */
function taskErrorOf(error: DomainError): TaskError {
  const { problemType, problemTitle, fields } = error.details;
  if (!problemType) return { message: error.message, extensions: fields?.length ? { code: error.code, fields } : { code: error.code } };
  return {
    message: error.message,
    extensions: { code: problemType.split('/').at(-1) ?? error.code },
    problem: { code: error.code, type: problemType, title: problemTitle ?? null },
  };
}

const failed = (error: DomainError): Outcome => ({ status: 'FAILED', result: null, error: taskErrorOf(error), meta: null });

/**
 * The RESCUED outcome of `tasks` for one exception, logged once: tasks rescued by the same exception
 * (a job type without a handler, a chunk BullMQ gave up on) share its id and its log line.
 */
function rescued(logger: Logger, error: unknown, tasks: readonly { id: string }[]): Outcome[] {
  const errorId = randomUUID();
  logger.error({ errorId, taskIds: tasks.map((t) => t.id), err: error }, 'task raised an exception: RESCUED');
  const outcome: Outcome = { status: 'RESCUED', result: null, error: { message: rescuedMessage(errorId), extensions: { code: rescuedCode, errorId } }, meta: null };
  return tasks.map(() => outcome);
}

const rescuedOne = (logger: Logger, error: unknown, task: { id: string }): Outcome => rescued(logger, error, [task])[0]!;

const fromBatch = (o: BatchOutcome): Outcome => (o.ok ? processed(o) : failed(o.error));

/** One task under its own savepoint (MikroORM's nested transaction, which also gives it a clean fork). */
async function runOne(handler: TaskHandler, task: TaskToRun, ctx: TaskContext): Promise<Outcome> {
  try {
    return await ctx.em.transactional(async (em) => {
      const inner = { ...ctx, em };
      if (handler.kind === 'each') return processed(await handler.run(task, inner));
      const [outcome] = await handler.run([task], inner);
      if (!outcome) throw new Error('batch handler returned no outcome');
      // A logical failure must not keep the task's writes: leave the savepoint by throwing.
      if (!outcome.ok) throw outcome.error;
      return fromBatch(outcome);
    });
  } catch (error) {
    if (isDomainError(error)) return failed(error);
    if (isTransientDatabaseError(error)) throw error;
    return rescuedOne(ctx.logger, error, task);
  }
}

/** A task read with its type's schemas, or the RESCUED outcome of one that does not parse. */
type Read = { task: TaskToRun } | { outcome: Outcome };

/** One task at a time, in order; with `stopAtFailure` the first that fails or does not parse ends it. */
async function runEachInOrder(handler: TaskHandler, reads: Read[], ctx: TaskContext, stopAtFailure: boolean): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  for (const read of reads) {
    const outcome = 'outcome' in read ? read.outcome : await runOne(handler, read.task, { ...ctx, logger: ctx.logger.child({ taskId: read.task.id }) });
    outcomes.push(outcome);
    if (stopAtFailure && outcome.status !== 'PROCESSED') break;
  }
  return outcomes;
}

async function runBatch(handler: Extract<TaskHandler, { kind: 'batch' }>, tasks: TaskToRun[], ctx: TaskContext): Promise<Outcome[]> {
  await ctx.sql.query('savepoint chunk');
  try {
    const outcomes = await handler.run(tasks, ctx);
    if (outcomes.length !== tasks.length) throw new Error(`batch handler returned ${outcomes.length} outcomes for ${tasks.length} tasks`);
    await ctx.sql.query('release savepoint chunk');
    return outcomes.map(fromBatch);
  } catch (error) {
    if (isTransientDatabaseError(error)) throw error;
    ctx.logger.warn({ err: error, tasks: tasks.length }, 'batch raised an exception: running its tasks one by one');
    await ctx.sql.query('rollback to savepoint chunk');
    return runEachInOrder(handler, tasks.map((task) => ({ task })), ctx, false);
  }
}

const unreadable = (what: string, issues: string): Error => new Error(`${what} does not fit its job type's schema: ${issues}`);

function readTask(registered: RegisteredJobType, task: StoredTask, logger: Logger): Read {
  const { taskMeta, taskInput } = registered.definition;
  const meta = taskMeta.safeParse(task.meta);
  if (!meta.success) return { outcome: rescuedOne(logger, unreadable(`the meta of task ${task.seq}`, meta.error.message), task) };
  const input = taskInput.safeParse(task.input);
  if (!input.success) return { outcome: rescuedOne(logger, unreadable(`the input of task ${task.seq}`, input.error.message), task) };
  return { task: { ...task, meta: meta.data, input: input.data } };
}

/** Runs the readable tasks as one batch and puts every outcome back in the tasks' order. */
async function batchInOrder(handler: Extract<TaskHandler, { kind: 'batch' }>, reads: Read[], ctx: TaskContext): Promise<Outcome[]> {
  const tasks = reads.flatMap((r) => ('task' in r ? [r.task] : []));
  const ran = tasks.length > 0 ? await runBatch(handler, tasks, ctx) : [];
  let next = 0;
  return reads.map((r) => ('outcome' in r ? r.outcome : ran[next++]!));
}

export const handlerExecutor = (registry: HandlerRegistry): Executor => async (stored, ctx, stopAtFailure) => {
  const registered = registry.get(ctx.job.type);
  if (!registered) return rescued(ctx.logger, new Error(`No handler is registered for job type ${ctx.job.type}`), stored);
  const jobMeta = registered.definition.jobMeta.safeParse(ctx.job.meta);
  if (!jobMeta.success) return rescued(ctx.logger, unreadable(`the meta of job ${ctx.job.id}`, jobMeta.error.message), stored);
  const typed: TaskContext = { ...ctx, job: { ...ctx.job, meta: jobMeta.data } };
  const { handler } = registered;
  const reads = stored.map((task) => readTask(registered, task, ctx.logger));
  // SEQUENTIALLY jobs always run one task at a time, so the first failure can stop the rest.
  if (handler.kind === 'batch' && !stopAtFailure) return batchInOrder(handler, reads, typed);
  return runEachInOrder(handler, reads, typed, stopAtFailure);
};

/**
 * For a message BullMQ gave up on: its remaining tasks end RESCUED (in a SEQUENTIALLY job only the
 * next one; the engine aborts the rest, as after any failure).
 */
export const rescueExecutor = (error: unknown): Executor => async (tasks, ctx, stopAtFailure) => {
  const rescuing = stopAtFailure ? tasks.slice(0, 1) : tasks;
  return rescuing.length > 0 ? rescued(ctx.logger, error, rescuing) : [];
};
