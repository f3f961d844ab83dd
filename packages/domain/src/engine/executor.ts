/**
 * Decides the outcome of each claimed task of a chunk by calling its job type's handler, inside the
 * chunk's transaction. Savepoints confine a failed or rescued task's writes to itself.
 */
import { isDomainError, type DomainError } from '../platform/errors';
import { rescuedCode, type TaskError } from './status-rules';
import type { BatchOutcome, TaskContext, TaskHandler, TaskHandlers, TaskSuccess, TaskToRun } from './handler';

export type Final = 'PROCESSED' | 'FAILED' | 'RESCUED';

export interface Outcome {
  status: Final;
  result: unknown;
  error: TaskError | null;
  meta: Record<string, unknown> | null;
}

/** Returns outcomes for a prefix of `tasks` (all of them unless `stopAtFailure` cut it short). */
export type Executor = (tasks: TaskToRun[], ctx: TaskContext, stopAtFailure: boolean) => Promise<Outcome[]>;

const processed = (done: TaskSuccess | void): Outcome => ({ status: 'PROCESSED', result: done?.result ?? null, error: null, meta: done?.meta ?? null });

/**
 * A failed task's code: the name of the error's contractual problem type when it has one (e.g.
 * FIT-Connect's `destination-state-invalid`), which says more than the generic code it maps to.
 */
const taskCodeOf = (error: DomainError): string => error.details.problemType?.split('/').at(-1) ?? error.code;

const failed = (error: DomainError): Outcome => ({
  status: 'FAILED', result: null, error: { message: error.message, extensions: { code: taskCodeOf(error) } }, meta: null,
});

export function rescued(error: unknown): Outcome {
  const message = error instanceof Error ? error.message : String(error);
  return { status: 'RESCUED', result: null, error: { message, extensions: { code: rescuedCode } }, meta: null };
}

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
    ctx.logger.warn({ err: error, taskId: task.id }, 'task raised an exception: RESCUED');
    return rescued(error);
  }
}

async function runEachInOrder(handler: TaskHandler, tasks: TaskToRun[], ctx: TaskContext, stopAtFailure: boolean): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  for (const task of tasks) {
    const outcome = await runOne(handler, task, { ...ctx, logger: ctx.logger.child({ taskId: task.id }) });
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
    ctx.logger.warn({ err: error, tasks: tasks.length }, 'batch raised an exception: running its tasks one by one');
    await ctx.sql.query('rollback to savepoint chunk');
    return runEachInOrder(handler, tasks, ctx, false);
  }
}

export const handlerExecutor = (handlers: TaskHandlers): Executor => async (tasks, ctx, stopAtFailure) => {
  const handler = handlers[ctx.job.type];
  if (!handler) return tasks.map(() => rescued(new Error(`No handler is registered for job type ${ctx.job.type}`)));
  if (handler.kind === 'batch' && !stopAtFailure && tasks.length > 0) return runBatch(handler, tasks, ctx);
  return runEachInOrder(handler, tasks, ctx, stopAtFailure);
};

/**
 * For a message BullMQ gave up on: its remaining tasks end RESCUED (in a SEQUENTIALLY job only the
 * next one; the engine aborts the rest, as after any failure).
 */
export const rescueExecutor = (error: unknown): Executor => async (tasks, _ctx, stopAtFailure) =>
  (stopAtFailure ? tasks.slice(0, 1) : tasks).map(() => rescued(error));
