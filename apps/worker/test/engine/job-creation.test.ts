import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { upsertClient } from '@jabba/domain/identity';
import { createJob, rescueExecutor, runChunk } from '@jabba/domain/engine';
import { createEngine, type Engine } from '../harness';

let engine: Engine;
beforeAll(async () => { engine = await createEngine(); });
afterAll(() => engine.close());

describe('creating jobs', () => {
  it('the same idempotency key from the same client returns the same job', async () => {
    const em = engine.orm.em.fork();
    const [a, b] = [randomUUID(), randomUUID()];
    await upsertClient(em, { id: a, name: 'A', type: 'NHS' });
    await upsertClient(em, { id: b, name: 'B', type: 'NHS' });
    const input = { type: 'script', tasks: [{}], idempotencyKey: 'upload-1' };
    const first = await createJob(engine.orm.em, { ...input, clientId: a });
    const again = await createJob(engine.orm.em, { ...input, clientId: a, tasks: [{}, {}] });
    const other = await createJob(engine.orm.em, { ...input, clientId: b });
    expect(first.created).toBe(true);
    expect(again).toMatchObject({ created: false, chunks: [], job: { id: first.job.id, counters: { total: 1 } } });
    expect(other.created).toBe(true);
    expect(other.job.id).not.toBe(first.job.id);
  });

  it('a job without tasks ends PROCESSED at once', async () => {
    const { job, chunks } = await createJob(engine.orm.em, { type: 'script', strategy: 'CONCURRENT', tasks: [] });
    expect(job).toMatchObject({ status: 'PROCESSED', counters: { total: 0 } });
    expect(chunks).toEqual([]);
  });

  it('streams many tasks through COPY, keeping awkward text intact', async () => {
    const n = 20_000;
    async function* generate() {
      for (let i = 1; i <= n; i += 1) yield { name: i === 7 ? 'tab\there, new\nline, back\\slash, "quote"' : `task ${i}`, meta: { line: i + 1, text: 'ü\t\\N' } };
    }
    const started = performance.now();
    const { job, chunks } = await createJob(engine.orm.em, { type: 'script', strategy: 'CONCURRENT', chunkSize: 1000, tasks: generate() });
    const ms = performance.now() - started;
    expect(job.counters).toMatchObject({ total: n, PENDING: n });
    expect(chunks).toHaveLength(20);
    expect(chunks[19]).toEqual({ jobId: job.id, epoch: 0, fromSeq: 19_001, toSeq: 20_000 });
    const [row] = (await engine.orm.em.fork().getConnection().execute(`select name, meta from tasks where job_id = ? and seq = 7`, [job.id])) as { name: string; meta: unknown }[];
    expect(row).toEqual({ name: 'tab\there, new\nline, back\\slash, "quote"', meta: { line: 8, text: 'ü\t\\N' } });
    expect(ms).toBeLessThan(5_000);
  });

  it('SEQUENTIALLY hands only the first chunk to the queue', async () => {
    const { job, chunks } = await createJob(engine.orm.em, { type: 'script', strategy: 'SEQUENTIALLY', chunkSize: 2, tasks: [{}, {}, {}, {}, {}] });
    expect(job.counters).toMatchObject({ total: 5, PENDING: 2, NEW: 3 });
    expect(chunks).toEqual([{ jobId: job.id, epoch: 0, fromSeq: 1, toSeq: 2 }]);
  });

  it('a chunk BullMQ gave up on ends RESCUED, so the job still ends', async () => {
    const { job, chunks } = await createJob(engine.orm.em, { type: 'script', strategy: 'CONCURRENT', chunkSize: 2, tasks: [{}, {}, {}] });
    const { logger } = engine;
    const report = await runChunk(engine.orm.em, chunks[0]!, rescueExecutor(new Error('database went away')), logger);
    expect(report.outcomes).toEqual({ PROCESSED: 0, FAILED: 0, RESCUED: 2 });
    await runChunk(engine.orm.em, chunks[1]!, rescueExecutor(new Error('database went away')), logger);
    const ended = await engine.job(job.id);
    expect(ended).toMatchObject({ status: 'FAILED', counters: { RESCUED: 3 } });
    expect(engine.exceptionOf((await engine.tasks(job.id))[0]!.error)).toBe('database went away');
  });

  it('in a SEQUENTIALLY job, a chunk BullMQ gave up on rescues its next task and aborts the rest', async () => {
    const { job, chunks } = await createJob(engine.orm.em, { type: 'script', strategy: 'SEQUENTIALLY', chunkSize: 2, tasks: [{}, {}, {}] });
    await runChunk(engine.orm.em, chunks[0]!, rescueExecutor(new Error('gave up')), pino({ level: 'silent' }));
    expect((await engine.tasks(job.id)).map((t) => t.status)).toEqual(['RESCUED', 'ABORTED', 'ABORTED']);
    expect(await engine.job(job.id)).toMatchObject({ status: 'FAILED', counters: { RESCUED: 1, ABORTED: 2 } });
  });

  it('the database refuses counters that do not add up', async () => {
    const { job } = await createJob(engine.orm.em, { type: 'script', tasks: [{}] });
    await expect(engine.orm.em.fork().getConnection().execute(`update jobs set tasks_processed = tasks_processed + 1 where id = ?`, [job.id]))
      .rejects.toThrow(/jobs_counters_add_up/);
  });

  it('a task belongs to a job that exists, for good, and goes with it (set-based keys, migration 10)', async () => {
    const execute = (text: string, values: unknown[] = []) => engine.orm.em.fork().getConnection().execute(text, values);
    await expect(execute(`insert into tasks (job_id, seq, status) values (?, 1, 'PENDING')`, [randomUUID()])).rejects.toMatchObject({
      code: '23503',
      message: expect.stringContaining('insert on table "tasks" violates foreign key "job_id": 1 of its 1 jobs do not exist'),
    });
    const [{ job: a }, { job: b }] = [await createJob(engine.orm.em, { type: 'script', tasks: [{}, {}] }), await createJob(engine.orm.em, { type: 'script', tasks: [{}] })];
    await expect(execute(`update tasks set job_id = ? where job_id = ?`, [b.id, a.id])).rejects.toMatchObject({
      code: '23503',
      message: expect.stringContaining('update on table "tasks" may not change "job_id"'),
    });
    await execute(`delete from jobs where id = ?`, [a.id]);
    expect(await execute(`select job_id as "jobId", count(*)::int as n from tasks where job_id in (?, ?) group by job_id`, [a.id, b.id])).toEqual([{ jobId: b.id, n: 1 }]);
  });
});
