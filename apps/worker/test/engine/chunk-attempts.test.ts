/**
 * Issue 14, faults 8 and 9, in-process: a chunk's attempts are counted in Postgres and a chunk past
 * CHUNK_MAX_ATTEMPTS is split until only its culprit ends RESCUED (here the culprit fails its chunk
 * every time instead of killing the process: test/faults/poison-record.test.ts kills real workers);
 * the reconciler does not reset the count; and a real deadlock is retried, not RESCUED.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { handlerExecutor, handlerRegistry, narrowChunk, runChunk } from '@jabba/domain/engine';
import { deleteKeysWithPrefix } from '#test/redis';
import { createEffectsTable, createEngine, type Engine } from '../harness';
import { scriptHandlers, tasks, testJobType } from '../handlers';

let engine: Engine;
beforeEach(async () => {
  engine = await createEngine();
  await createEffectsTable(engine.orm);
});
afterEach(() => engine.close());

const sql = async <R>(text: string, values: unknown[] = []): Promise<R[]> => (await engine.orm.em.fork().getConnection().execute(text, values)) as R[];

/** A task that fails its whole chunk every time: a serialization failure is retried, never RESCUED by itself. */
const losing = { action: 'sql', sql: `do $$ begin raise exception 'loses every race' using errcode = 'serialization_failure'; end $$` };
const ok = { action: 'ok' };
const statuses = async (jobId: string): Promise<string[]> => (await engine.tasks(jobId)).map((t) => t.status);
const splits = (jobId: string) => engine.logs.filter((l) => l.msg === 'chunk split after too many attempts' && l.jobId === jobId).map((l) => l.pieces);
const effects = async (jobId: string): Promise<number[]> =>
  (await sql<{ seq: number }>('select e.seq from effects e join tasks t on t.id = e.task_id where t.job_id = ? order by e.seq', [jobId])).map((r) => r.seq);

describe('a chunk past CHUNK_MAX_ATTEMPTS', () => {
  it('is split in halves until only the task that fails it ends RESCUED, with a generic message and an error id', async () => {
    await engine.startWorker(scriptHandlers(), { chunkMaxAttempts: 2 });
    const job = await engine.submit({
      type: 'script', strategy: 'CONCURRENT', chunkSize: 4,
      tasks: [ok, ok, losing, ok, ok, ok, ok, ok].map((meta) => ({ meta })),
    });
    const ended = await engine.waitForEnd(job.id, 30_000);
    expect(ended).toMatchObject({ status: 'FAILED', counters: { PROCESSED: 7, RESCUED: 1, FAILED: 0, PENDING: 0 } });
    expect(await statuses(job.id)).toEqual(['PROCESSED', 'PROCESSED', 'RESCUED', 'PROCESSED', 'PROCESSED', 'PROCESSED', 'PROCESSED', 'PROCESSED']);
    // 1-4 failed twice, then its halves ran: 1-2 succeeded, 3-4 failed twice and was split again.
    expect(splits(job.id)).toEqual([['1-2', '3-4'], ['3-3', '4-4']]);
    const rescued = (await engine.tasks(job.id))[2]!.error;
    expect(engine.exceptionOf(rescued)).toBe(`tasks 3-3 of job ${job.id} never finished in 2 attempts: each time the worker died or the chunk failed`);
    // The writes of the runs that failed were rolled back: one effect per PROCESSED task.
    expect(await effects(job.id)).toEqual([1, 2, 4, 5, 6, 7, 8]);
    // The counts go with the job's end.
    expect(await sql('select * from chunk_attempts where job_id = ?', [job.id])).toEqual([]);
    expect(await engine.countersMatchTasks(job.id)).toBe(true);
  });

  it('of a SEQUENTIALLY job is run in order, piece after piece, and the tasks after its culprit are aborted', async () => {
    await engine.startWorker(scriptHandlers(), { chunkMaxAttempts: 1 });
    const job = await engine.submit({ type: 'script', strategy: 'SEQUENTIALLY', chunkSize: 4, tasks: [ok, ok, losing, ok, ok].map((meta) => ({ meta })) });
    await engine.waitForEnd(job.id, 30_000);
    expect(await statuses(job.id)).toEqual(['PROCESSED', 'PROCESSED', 'RESCUED', 'ABORTED', 'ABORTED']);
    // Only the first half is queued; the rest of the chunk (3-4) follows it, and is split in its turn.
    expect(splits(job.id)).toEqual([['1-2'], ['3-3']]);
    expect(await effects(job.id)).toEqual([1, 2]);
    expect(await engine.countersMatchTasks(job.id)).toBe(true);
  });

  it('is found by the reconciler with its attempts, which Redis forgot', async () => {
    const job = await engine.submit({ type: 'script', strategy: 'CONCURRENT', chunkSize: 4, tasks: tasks('ok', 'ok', 'ok', 'ok') });
    // Two starts that died with their worker, and then Redis lost the queue.
    await sql('insert into chunk_attempts (job_id, epoch, from_seq, to_seq, attempts) values (?, 0, 1, 4, 2)', [job.id]);
    expect(await deleteKeysWithPrefix(engine.redis, engine.prefix)).toBeGreaterThan(0);
    await engine.startWorker(scriptHandlers(), { chunkMaxAttempts: 2 });
    expect(await engine.waitForEnd(job.id)).toMatchObject({ status: 'PROCESSED', counters: { PROCESSED: 4 } });
    // The re-added chunk was its third start: split, not run again.
    expect(splits(job.id)).toEqual([['1-2', '3-4']]);
    expect(await effects(job.id)).toEqual([1, 2, 3, 4]);
  });
});

describe('narrowing a range past its attempts', () => {
  it('rescues a task only once it used up attempts of its own, alone', async () => {
    const job = await engine.submit({ type: 'script', strategy: 'CONCURRENT', chunkSize: 4, tasks: tasks('ok', 'ok', 'ok', 'ok') });
    const chunk = { jobId: job.id, epoch: 0, fromSeq: 1, toSeq: 4 };
    const cause = new Error('started too often');
    // Its pieces ran tasks 1-3: the chunk's one task left gets a piece of its own, not a verdict.
    await runChunk(engine.orm.em, { ...chunk, toSeq: 3, piece: true }, handlerExecutor(scriptHandlers()), engine.logger);
    expect(await narrowChunk(engine.orm.em, chunk, cause, engine.logger)).toEqual({ pieces: [{ ...chunk, fromSeq: 4, piece: true }] });
    expect(await statuses(job.id)).toEqual(['PROCESSED', 'PROCESSED', 'PROCESSED', 'PENDING']);
    // That piece past its own attempts: the task ends RESCUED, and with it the job.
    const { pieces, rescued } = await narrowChunk(engine.orm.em, { ...chunk, fromSeq: 4, piece: true }, cause, engine.logger);
    expect(pieces).toEqual([]);
    expect(rescued).toMatchObject({ ran: 1, outcomes: { RESCUED: 1 }, jobEndedNow: true });
    expect(engine.exceptionOf((await engine.tasks(job.id))[3]!.error)).toBe('started too often');
    // A job that has ended has nothing left to narrow.
    expect(await narrowChunk(engine.orm.em, chunk, cause, engine.logger)).toEqual({ pieces: [] });
  });
});

describe('a deadlock inside a task', () => {
  it('fails the chunk, which is retried with backoff: both tasks end PROCESSED, none RESCUED', async () => {
    await sql(`create table locks (k text primary key)`);
    await sql(`insert into locks values ('a'), ('b')`);
    // Each task locks one row, waits until the other task holds its own, then wants the other's:
    // Postgres sees the cycle and ends one of them with 40P01. A retry finds the meeting point open.
    let arrived = 0;
    let meet!: () => void;
    const met = new Promise<void>((resolve) => (meet = resolve));
    const handlers = handlerRegistry([testJobType('deadlock', {
      kind: 'each',
      async run(task, { sql: tx }) {
        const [first, second] = task.meta?.action === 'a-then-b' ? ['a', 'b'] : ['b', 'a'];
        await tx.query('select k from locks where k = $1 for update', [first]);
        arrived += 1;
        if (arrived === 2) meet();
        await met;
        await tx.query('select k from locks where k = $1 for update', [second]);
        await tx.query('insert into effects (task_id, seq) values ($1, $2)', [task.id, task.seq]);
      },
    })], {});
    await engine.startWorker(handlers, { concurrency: 2 });
    const job = await engine.submit({ type: 'deadlock', strategy: 'CONCURRENT', chunkSize: 1, tasks: tasks('a-then-b', 'b-then-a') });

    const ended = await engine.waitForEnd(job.id, 20_000);
    expect(ended).toMatchObject({ status: 'PROCESSED', counters: { PROCESSED: 2, RESCUED: 0, FAILED: 0 } });
    const failures = engine.logs.filter((l) => l.msg === 'chunk failed' && l.jobId === job.id);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ attempt: 1, lastAttempt: false, err: { code: '40P01', message: 'deadlock detected' } });
    expect(await effects(job.id)).toEqual([1, 2]);
  });
});
