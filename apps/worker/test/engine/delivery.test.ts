/**
 * At-least-once delivery, exactly-once effects: duplicates, competing workers and a Redis that
 * forgets everything must never run a task twice nor lose one.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cancelJob, findMaintenanceRun, maintenanceRunNames, retryJob, taskChunkJobName } from '@jabba/domain/engine';
import { deleteKeysWithPrefix } from '#test/redis';
import { waitFor } from '#test/wait-for';
import { createEffectsTable, createEngine, type Engine } from '../harness';
import { createGate, scriptHandlers, tasks } from '../handlers';

let engine: Engine;
beforeEach(async () => {
  engine = await createEngine();
  await createEffectsTable(engine.orm);
});
afterEach(() => engine.close());

const effectRows = async (jobId: string) =>
  (await engine.orm.em.fork().getConnection().execute(
    `select e.task_id, e.worker from effects e join tasks t on t.id = e.task_id where t.job_id = ?`, [jobId],
  )) as { task_id: string; worker: string }[];

const queueIdle = async () => {
  const c = await engine.queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
  return Object.values(c).every((n) => n === 0);
};

/** Backends of this test's database waiting for a lock another backend holds, such as a task's row lock. */
const lockWaiters = async () =>
  (await engine.orm.em.fork().getConnection().execute(
    `select pid from pg_stat_activity
     where datname = current_database() and wait_event_type = 'Lock' and cardinality(pg_blocking_pids(pid)) > 0`,
  )) as { pid: number }[];

describe('delivery', () => {
  it('the reconciler records each run, with the chunks it offered again, in maintenance_runs', async () => {
    // Submitted, then Redis loses the chunk before any worker runs: the start-up pass re-offers it.
    const job = await engine.submit({ type: 'script', strategy: 'CONCURRENT', chunkSize: 5, tasks: tasks('ok', 'ok') });
    expect(await deleteKeysWithPrefix(engine.redis, engine.prefix)).toBeGreaterThan(0);
    const worker = await engine.startWorker(scriptHandlers());
    const run = () => findMaintenanceRun(engine.orm.em.fork(), maintenanceRunNames.reconcile);
    const first = await run();
    expect(first).toEqual({ name: 'reconcile', lastRunAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/), lastResult: { reenqueued: 1 } });
    await engine.waitForEnd(job.id);
    await worker.reconcileNow();
    const second = await run();
    expect(second).toMatchObject({ name: 'reconcile', lastResult: { reenqueued: 0 } });
    expect(second!.lastRunAt > first!.lastRunAt).toBe(true);
  });

  it('a duplicate delivery of a finished chunk changes nothing', async () => {
    await engine.startWorker(scriptHandlers());
    const job = await engine.submit({ type: 'script', strategy: 'CONCURRENT', chunkSize: 5, tasks: tasks(...Array<string>(10).fill('ok')) });
    await engine.waitForEnd(job.id);
    const before = await engine.tasks(job.id);
    // Same payloads, fresh BullMQ ids: BullMQ cannot de-duplicate these, the engine must.
    for (const fromSeq of [1, 6]) {
      await engine.queue.add(taskChunkJobName, { jobId: job.id, epoch: 0, fromSeq, toSeq: fromSeq + 4 });
    }
    await waitFor(queueIdle, { what: 'duplicates consumed' });
    expect(await effectRows(job.id)).toHaveLength(10);
    expect(await engine.tasks(job.id)).toEqual(before);
    expect(engine.logs.filter((l) => l.msg === 'job ended' && l.jobId === job.id)).toHaveLength(1);
  });

  it('two workers on one job, every chunk delivered twice, never run a task twice', async () => {
    await engine.startWorker(scriptHandlers('a'), { concurrency: 3 });
    await engine.startWorker(scriptHandlers('b'), { concurrency: 3 });
    const total = 300;
    const job = await engine.submit({ type: 'script', strategy: 'CONCURRENT', chunkSize: 10, tasks: Array.from({ length: total }, () => ({ meta: { action: 'sleep', ms: 1 } })) });
    for (let fromSeq = 1; fromSeq <= total; fromSeq += 10) {
      await engine.queue.add(taskChunkJobName, { jobId: job.id, epoch: 0, fromSeq, toSeq: fromSeq + 9 });
    }
    const ended = await engine.waitForEnd(job.id, 20_000);
    expect(ended).toMatchObject({ status: 'PROCESSED', counters: { total, PROCESSED: total } });
    // The job ends with its last commit, before that chunk logs 'job ended' and while duplicates
    // may still be queued or running: count effects and logs once every delivery has been consumed.
    await waitFor(queueIdle, { timeout: 20_000, what: 'every delivery consumed' });
    const rows = await effectRows(job.id);
    expect(rows).toHaveLength(total);
    expect(new Set(rows.map((r) => r.task_id)).size).toBe(total);
    expect(new Set(rows.map((r) => r.worker))).toEqual(new Set(['a', 'b']));
    expect(engine.logs.filter((l) => l.msg === 'job ended' && l.jobId === job.id)).toHaveLength(1);
    expect(await engine.countersMatchTasks(job.id)).toBe(true);
  });

  it('Redis flushed in the middle of a job: the job still ends, every task once', async () => {
    const gate = createGate();
    await engine.startWorker(scriptHandlers('w', gate), { concurrency: 1, reconcileEveryMs: 1000 });
    const job = await engine.submit({ type: 'script', strategy: 'CONCURRENT', chunkSize: 2, tasks: tasks('wait', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok') });
    await gate.reached;
    // Everything this test's queues had in Redis is gone: queued chunks, the running one, the scheduler.
    expect(await deleteKeysWithPrefix(engine.redis, engine.prefix)).toBeGreaterThan(0);
    gate.open();
    const ended = await engine.waitForEnd(job.id, 15_000);
    expect(ended).toMatchObject({ status: 'PROCESSED', counters: { total: 7, PROCESSED: 7 } });
    expect(await effectRows(job.id)).toHaveLength(7);
  });

  it('a worker that starts finds work whose queue entries are gone', async () => {
    const job = await engine.submit({ type: 'script', strategy: 'SEQUENTIALLY', chunkSize: 2, tasks: tasks('ok', 'ok', 'ok') });
    await deleteKeysWithPrefix(engine.redis, engine.prefix);
    await engine.startWorker(scriptHandlers());
    expect((await engine.waitForEnd(job.id)).status).toBe('PROCESSED');
  });
});

describe('cancel and retry', () => {
  it('cancel aborts the tasks not yet run, waiting for the one running', async () => {
    const gate = createGate();
    await engine.startWorker(scriptHandlers('w', gate));
    const job = await engine.submit({ type: 'script', strategy: 'SEQUENTIALLY', chunkSize: 1, tasks: tasks('wait', 'ok', 'ok') });
    await gate.reached;
    // Task 1's commit hands chunk 2 to the queue. Hold its delivery back until the cancel has
    // committed, so that the next chunk cannot claim task 2 before the cancel locks it.
    await engine.queue.pause();
    const cancelling = cancelJob(engine.orm.em, job.id);
    // Task 1 runs and holds its row lock: let it finish only once the cancel is waiting for that lock
    // (and, should it never wait, still let it finish, so that the chunk does not hold up teardown).
    try {
      await waitFor(async () => (await lockWaiters()).length > 0, { what: "the cancel to wait for the running task's row lock" });
    } finally {
      gate.open();
    }
    const cancelled = await cancelling;
    expect(cancelled.status).toBe('FAILED');
    expect((await engine.tasks(job.id)).map((t) => t.status)).toEqual(['PROCESSED', 'ABORTED', 'ABORTED']);
    expect(cancelled.counters).toMatchObject({ PROCESSED: 1, ABORTED: 2, PENDING: 0, NEW: 0 });
    // The held-back chunk is delivered now and finds the job ended: only task 1 ever ran.
    await engine.queue.resume();
    const next = await waitFor(() => engine.logs.find((l) => l.msg === 'chunk skipped' && l.jobId === job.id && l.fromSeq === 2), { what: 'the next chunk delivered' });
    expect(next.skipped).toBe('job-ended');
    expect(await effectRows(job.id)).toHaveLength(1);
    await expect(cancelJob(engine.orm.em, job.id)).rejects.toMatchObject({ code: 'CONFLICT', message: `Job ${job.id} has already ended` });
    await expect(cancelJob(engine.orm.em, '00000000-0000-4000-8000-000000000000')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('retry runs the failed tasks only, once more', async () => {
    await engine.startWorker(scriptHandlers());
    const job = await engine.submit({ type: 'script', strategy: 'CONCURRENT', chunkSize: 2, tasks: tasks('ok', 'fail-once', 'ok', 'fail-once', 'ok') });
    expect((await engine.waitForEnd(job.id)).counters).toMatchObject({ PROCESSED: 3, FAILED: 2 });
    const retried = await retryJob(engine.orm.em, engine.queue, job.id);
    expect(retried).toMatchObject({ status: 'PENDING', epoch: 1, counters: { PENDING: 2, PROCESSED: 3, FAILED: 0 } });
    expect(await engine.waitForEnd(job.id)).toMatchObject({ status: 'PROCESSED', counters: { PROCESSED: 5 } });
    // Processed tasks were not run again: one committed effect per task.
    expect(await effectRows(job.id)).toHaveLength(5);
    await expect(retryJob(engine.orm.em, engine.queue, job.id)).rejects.toMatchObject({ code: 'CONFLICT', message: `Job ${job.id} has no failed tasks` });
  });

  it('retry of a SEQUENTIALLY job resumes from the failed task', async () => {
    await engine.startWorker(scriptHandlers());
    const job = await engine.submit({ type: 'script', strategy: 'SEQUENTIALLY', chunkSize: 2, tasks: tasks('ok', 'ok', 'fail-once', 'ok', 'ok', 'ok') });
    await engine.waitForEnd(job.id);
    expect((await engine.tasks(job.id)).map((t) => t.status)).toEqual(['PROCESSED', 'PROCESSED', 'FAILED', 'ABORTED', 'ABORTED', 'ABORTED']);
    await retryJob(engine.orm.em, engine.queue, job.id);
    expect((await engine.waitForEnd(job.id)).status).toBe('PROCESSED');
    expect(await effectRows(job.id)).toHaveLength(6);
    expect(await engine.countersMatchTasks(job.id)).toBe(true);
  });

  it('retry of a running job is refused', async () => {
    const job = await engine.submit({ type: 'script', strategy: 'CONCURRENT', tasks: tasks('ok') });
    await expect(retryJob(engine.orm.em, engine.queue, job.id)).rejects.toMatchObject({ code: 'CONFLICT', message: `Job ${job.id} is still running` });
  });
});

describe('shutdown', () => {
  it('close() waits for the running chunk to finish', async () => {
    const gate = createGate();
    const worker = await engine.startWorker(scriptHandlers('w', gate));
    const job = await engine.submit({ type: 'script', strategy: 'CONCURRENT', tasks: tasks('wait', 'ok') });
    await gate.reached;
    let closed = false;
    const closing = worker.close(10_000).then((outcome) => { closed = true; return outcome; });
    await Promise.resolve();
    expect(closed).toBe(false);
    gate.open();
    expect(await closing).toBe('finished');
    // The chunk was finished, not abandoned: both tasks committed before close() resolved.
    expect(await engine.job(job.id)).toMatchObject({ status: 'PROCESSED', counters: { PROCESSED: 2 } });
  });

  it('past its deadline close() hands the running chunk back instead of waiting', async () => {
    const gate = createGate();
    const worker = await engine.startWorker(scriptHandlers('w', gate));
    const job = await engine.submit({ type: 'script', strategy: 'CONCURRENT', tasks: tasks('wait') });
    await gate.reached;
    expect(await worker.close(200)).toBe('handed-back');
    // Nothing was committed for the task: in a real process the exit now rolls its transaction back
    // and the chunk is redelivered. Here the handler is still running in-process, so let it end.
    expect(await engine.job(job.id)).toMatchObject({ status: 'PENDING', counters: { PENDING: 1 } });
    gate.open();
    await engine.waitForEnd(job.id);
  });
});
