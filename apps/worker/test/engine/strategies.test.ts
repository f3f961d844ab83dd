import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEffectsTable, createEngine, type Engine } from '../harness';
import { scriptHandlers, tasks } from '../handlers';

let engine: Engine;
const effects = async (jobId: string) =>
  (await engine.orm.em.fork().getConnection().execute(
    `select e.seq from effects e join tasks t on t.id = e.task_id where t.job_id = ? order by e.id`, [jobId],
  )) as { seq: number }[];

beforeAll(async () => {
  engine = await createEngine();
  await createEffectsTable(engine.orm);
  await engine.startWorker(scriptHandlers());
});
afterAll(() => engine.close());

describe('SEQUENTIALLY', () => {
  it('runs every task in order across chunks and ends PROCESSED once', async () => {
    const job = await engine.submit({ type: 'script', strategy: 'SEQUENTIALLY', chunkSize: 3, tasks: tasks('ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok') });
    const ended = await engine.waitForEnd(job.id);
    expect(ended.status).toBe('PROCESSED');
    expect(ended.counters).toMatchObject({ total: 7, PROCESSED: 7, PENDING: 0, NEW: 0 });
    expect((await effects(job.id)).map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    const rows = await engine.tasks(job.id);
    expect(rows.every((t) => t.status === 'PROCESSED' && t.ended_at && t.meta?.done === true)).toBe(true);
    expect(engine.logs.filter((l) => l.msg === 'job ended' && l.jobId === job.id)).toHaveLength(1);
    expect(await engine.countersMatchTasks(job.id)).toBe(true);
  });

  it('runs tasks in priority order', async () => {
    const job = await engine.submit({
      type: 'script', strategy: 'SEQUENTIALLY',
      tasks: [{ name: 'c', priority: 3 }, { name: 'a', priority: 1 }, { name: 'b', priority: 2 }],
    });
    await engine.waitForEnd(job.id);
    const names = (await engine.orm.em.fork().getConnection().execute(
      `select t.name from effects e join tasks t on t.id = e.task_id where t.job_id = ? order by e.id`, [job.id],
    )) as { name: string }[];
    expect(names.map((n) => n.name)).toEqual(['a', 'b', 'c']);
  });

  it('a failed task aborts every task after it and fails the job', async () => {
    const job = await engine.submit({ type: 'script', strategy: 'SEQUENTIALLY', chunkSize: 2, tasks: tasks('ok', 'ok', 'fail', 'ok', 'ok') });
    const ended = await engine.waitForEnd(job.id);
    expect(ended.status).toBe('FAILED');
    const rows = await engine.tasks(job.id);
    expect(rows.map((t) => t.status)).toEqual(['PROCESSED', 'PROCESSED', 'FAILED', 'ABORTED', 'ABORTED']);
    expect(rows[2]!.error).toEqual({ message: 'task 3 is invalid', extensions: { code: 'VALIDATION_ERROR' } });
    expect(rows[3]!.ended_at).not.toBeNull();
    // The failed task's own write was rolled back with its savepoint; aborted tasks never ran.
    expect((await effects(job.id)).map((e) => e.seq)).toEqual([1, 2]);
    expect(ended.counters).toMatchObject({ total: 5, PROCESSED: 2, FAILED: 1, ABORTED: 2 });
    expect(await engine.countersMatchTasks(job.id)).toBe(true);
  });

  it('an exception gives RESCUED and also stops the sequence', async () => {
    const job = await engine.submit({ type: 'script', strategy: 'SEQUENTIALLY', tasks: tasks('ok', 'throw', 'ok') });
    const ended = await engine.waitForEnd(job.id);
    expect(ended.status).toBe('FAILED');
    const rows = await engine.tasks(job.id);
    expect(rows.map((t) => t.status)).toEqual(['PROCESSED', 'RESCUED', 'ABORTED']);
    expect(engine.exceptionOf(rows[1]!.error)).toBe('task 2 exploded');
    expect((await effects(job.id)).map((e) => e.seq)).toEqual([1]);
  });
});

describe('CONCURRENT', () => {
  it('runs every task even when some fail or raise, then ends FAILED', async () => {
    const job = await engine.submit({
      type: 'script', strategy: 'CONCURRENT', chunkSize: 4,
      tasks: tasks('ok', 'ok', 'fail', 'ok', 'throw', 'ok', 'ok', 'ok', 'ok', 'ok'),
    });
    const ended = await engine.waitForEnd(job.id);
    expect(ended.status).toBe('FAILED');
    expect(ended.counters).toMatchObject({ total: 10, PROCESSED: 8, FAILED: 1, RESCUED: 1, PENDING: 0 });
    const rows = await engine.tasks(job.id);
    expect(rows[2]).toMatchObject({ status: 'FAILED', error: { message: 'task 3 is invalid', extensions: { code: 'VALIDATION_ERROR' } } });
    expect(rows[4]!.status).toBe('RESCUED');
    expect(engine.exceptionOf(rows[4]!.error)).toBe('task 5 exploded');
    expect((await effects(job.id)).map((e) => e.seq).sort((a, b) => a - b)).toEqual([1, 2, 4, 6, 7, 8, 9, 10]);
    expect(await engine.countersMatchTasks(job.id)).toBe(true);
  });

  it('ends PROCESSED when every task is processed', async () => {
    const job = await engine.submit({ type: 'script', strategy: 'CONCURRENT', chunkSize: 5, tasks: tasks(...Array<string>(23).fill('ok')) });
    const ended = await engine.waitForEnd(job.id);
    expect(ended).toMatchObject({ status: 'PROCESSED', counters: { total: 23, PROCESSED: 23 } });
  });

  it('a job of a type without a handler ends with its tasks RESCUED', async () => {
    const job = await engine.submit({ type: 'nobody-handles-this', strategy: 'CONCURRENT', tasks: tasks('ok') });
    await engine.waitForEnd(job.id);
    const [task] = await engine.tasks(job.id);
    expect(task!.status).toBe('RESCUED');
    expect(engine.exceptionOf(task!.error)).toBe('No handler is registered for job type nobody-handles-this');
  });
});

describe('batch handlers', () => {
  it('a chunk runs set-based; a logical failure fails only its task', async () => {
    const job = await engine.submit({ type: 'batch', strategy: 'CONCURRENT', chunkSize: 4, tasks: tasks('ok', 'fail', 'ok', 'ok', 'ok', 'ok') });
    const ended = await engine.waitForEnd(job.id);
    expect(ended.counters).toMatchObject({ total: 6, PROCESSED: 5, FAILED: 1 });
    const rows = await engine.tasks(job.id);
    expect(rows[1]).toMatchObject({ status: 'FAILED', error: { message: 'task 2 is invalid', extensions: { code: 'VALIDATION_ERROR' } } });
    expect(rows[0]!.meta).toEqual({ action: 'ok', done: true });
    expect((await effects(job.id)).map((e) => e.seq).sort()).toEqual([1, 3, 4, 5, 6]);
  });

  it('an exception rolls the batch back and re-runs it one by one: only the culprit is RESCUED', async () => {
    const job = await engine.submit({ type: 'batch', strategy: 'CONCURRENT', chunkSize: 10, tasks: tasks('ok', 'ok', 'throw', 'fail', 'ok') });
    const ended = await engine.waitForEnd(job.id);
    expect(ended.counters).toMatchObject({ PROCESSED: 3, FAILED: 1, RESCUED: 1 });
    const rows = await engine.tasks(job.id);
    expect(rows.map((t) => t.status)).toEqual(['PROCESSED', 'PROCESSED', 'RESCUED', 'FAILED', 'PROCESSED']);
    expect(engine.exceptionOf(rows[2]!.error)).toBe('batch of 1 exploded');
    // The failed batch's writes were rolled back: one committed effect per processed task.
    expect((await effects(job.id)).map((e) => e.seq).sort()).toEqual([1, 2, 5]);
  });

  it('SEQUENTIALLY runs a batch handler one task at a time, so nothing after a failure is written', async () => {
    const job = await engine.submit({ type: 'batch', strategy: 'SEQUENTIALLY', chunkSize: 10, tasks: tasks('ok', 'fail', 'ok') });
    await engine.waitForEnd(job.id);
    expect((await engine.tasks(job.id)).map((t) => t.status)).toEqual(['PROCESSED', 'FAILED', 'ABORTED']);
    expect((await effects(job.id)).map((e) => e.seq)).toEqual([1]);
  });
});
