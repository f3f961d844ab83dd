import { z } from 'zod';
import { defineJobType, genericJobView, handlerRegistry, type HandlerRegistry, type TaskHandler } from '@jabba/domain/engine';
import { refuseEveryone } from '@jabba/domain/identity';
import { DomainError } from '@jabba/domain/platform';

export interface Gate {
  promise: Promise<void>;
  open(): void;
  /** Resolves when a task is waiting at the gate. */
  reached: Promise<void>;
}

export function createGate(): Gate {
  let open!: () => void;
  let reach!: () => void;
  const promise = new Promise<void>((r) => (open = r));
  const reached = new Promise<void>((r) => (reach = r));
  return { promise, open, reached, ...{ _reach: reach } } as Gate & { _reach: () => void };
}

/**
 * `script` tasks do what meta.action says: ok (default), fail (logical error), throw (exception,
 * with meta.text as its message if given), sql (runs meta.sql with meta.values, to raise a real
 * database error), wait (block on the gate), fail-once (fail until the job is retried). Every run writes an effect
 * row inside the task's savepoint, so effects show exactly which runs committed.
 */
/** What a test task's meta may say it does. */
const scriptMeta = z.object({
  action: z.string().optional(), ms: z.number().optional(), text: z.string().optional(), sql: z.string().optional(), values: z.array(z.unknown()).optional(),
}).catchall(z.unknown()).nullable();

/** A test job type: any job meta, script meta, any input; no caller may read or change it through an api. */
export const testJobType = (type: string, handler: TaskHandler<unknown, z.infer<typeof scriptMeta>, string | null>) => defineJobType({
  type, name: `test ${type}`, taskName: `test ${type} task`, strategy: 'SEQUENTIALLY', chunkSize: 1000,
  jobMeta: z.unknown(), taskMeta: scriptMeta, taskInput: z.string().nullable(),
  graphqlType: genericJobView, access: { read: [refuseEveryone()], write: [refuseEveryone()] },
  handler: () => handler,
});

export function scriptHandlers(worker = 'w', gate?: Gate, failedOnce = new Set<string>()): HandlerRegistry {
  return handlerRegistry([
    testJobType('script', { kind: 'each', run: async (task, { sql }) => {
      await sql.query('insert into effects (task_id, seq, worker) values ($1, $2, $3)', [task.id, task.seq, worker]);
      switch (task.meta?.action) {
        case 'fail':
          throw new DomainError('VALIDATION_ERROR', `task ${task.seq} is invalid`);
        case 'throw':
          throw new Error(task.meta.text ?? `task ${task.seq} exploded`);
        case 'sql':
          await sql.query(task.meta.sql ?? '', task.meta.values);
          break;
        case 'fail-once':
          if (!failedOnce.has(task.id)) {
            failedOnce.add(task.id);
            throw new DomainError('CONFLICT', `task ${task.seq} not yet`);
          }
          break;
        case 'wait':
          (gate as (Gate & { _reach?: () => void }) | undefined)?._reach?.();
          await gate?.promise;
          break;
        case 'sleep':
          await new Promise((r) => setTimeout(r, Number(task.meta?.ms ?? 1)));
          break;
        case undefined:
        default: // 'ok'
          break;
      }
      return { meta: { done: true }, result: { seq: task.seq } };
    } }),
    /** Set-based: one INSERT for the chunk; `fail` tasks get a logical failure, `throw` breaks the batch. */
    testJobType('batch', { kind: 'batch', run: async (batch, { sql }) => {
      const ok = batch.filter((t) => t.meta?.action !== 'fail');
      await sql.query('insert into effects (task_id, seq, worker) select * from unnest($1::uuid[], $2::int[], $3::text[])',
        [ok.map((t) => t.id), ok.map((t) => t.seq), ok.map(() => worker)]);
      if (batch.some((t) => t.meta?.action === 'throw')) throw new Error(`batch of ${batch.length} exploded`);
      return batch.map((t) => (t.meta?.action === 'fail'
        ? { ok: false as const, error: new DomainError('VALIDATION_ERROR', `task ${t.seq} is invalid`) }
        : { ok: true as const, meta: { done: true } }));
    } }),
  ], {});
}

export const tasks = (...actions: string[]) => actions.map((action, i) => ({ name: `step ${i + 1}`, meta: { action } }));
