/**
 * Retention of ended jobs: which jobs a pass deletes (ended before the cutoff, never a running one),
 * that their tasks go in batches of JOB_RETENTION_BATCH_SIZE, that merge review and the audit log
 * stay, that each run is recorded in maintenance_runs, and that a job retried between two batches
 * keeps counters that add up. Time passes by moving timestamps back in SQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Queue } from 'bullmq';
import { deleteEndedJobs, findMaintenanceRun, maintenanceRunNames, queueNames } from '@jabba/domain/engine';
import { sqlOf } from '@jabba/domain/platform';
import { waitFor } from '#test/wait-for';
import { loadConfig } from '../../src/config';
import { createHandlers } from '../../src/registry';
import type { RunningWorker } from '../../src/worker';
import { createEngine, type Engine } from '../harness';

const handlers = createHandlers(loadConfig({}));

function fixtures(engine: Engine) {
  const sql = async <R>(text: string, values: unknown[] = []): Promise<R[]> => (await engine.orm.em.fork().getConnection().execute(text, values)) as R[];
  return {
    sql,
    /** A job of `tasks` tasks (every third FAILED) that ended `endedAgo` before now, or a running one (null). */
    async job(tasks: number, endedAgo: string | null, insertedAgo = '200 days'): Promise<string> {
      const failed = Math.floor(tasks / 3);
      const [row] = await sql<{ id: string }>(
        `insert into jobs (id, type, strategy, status, chunk_size, tasks_total, tasks_processed, tasks_failed, tasks_pending, ended_at, inserted_at)
         values (gen_random_uuid(), 'retention_test', 'CONCURRENT', ?, 10, ?, ?, ?, ?, now() - ?::interval, now() - ?::interval) returning id`,
        [endedAgo === null ? 'PENDING' : 'FAILED', tasks, endedAgo === null ? 0 : tasks - failed, endedAgo === null ? 0 : failed,
          endedAgo === null ? tasks : 0, endedAgo, insertedAgo],
      );
      await sql(
        `insert into tasks (job_id, seq, status, meta)
         select ?, g, case when ?::boolean then 'PENDING' when g % 3 = 0 then 'FAILED' else 'PROCESSED' end, jsonb_build_object('input', 'person ' || g)
         from generate_series(1, ?::integer) g`,
        [row!.id, endedAgo === null, tasks],
      );
      return row!.id;
    },
    async taskCount(jobId: string): Promise<number> {
      const [row] = await sql<{ n: number }>(`select count(*)::int as n from tasks where job_id = ?`, [jobId]);
      return row!.n;
    },
    async jobExists(jobId: string): Promise<boolean> {
      return (await sql(`select 1 from jobs where id = ?`, [jobId])).length === 1;
    },
  };
}

describe('job retention', () => {
  let engine: Engine;
  let worker: RunningWorker;
  let f: ReturnType<typeof fixtures>;

  beforeAll(async () => {
    engine = await createEngine();
    f = fixtures(engine);
    worker = await engine.startWorker(handlers, { retentionBatchSize: 10 });
    // The scheduler's first run happens at once; let it pass so the tests below run passes on their own.
    await waitFor(() => engine.logs.some((l) => l.msg === 'job retention: ended jobs deleted'), { what: 'the first scheduled retention pass' });
    const maintenance = new Queue(queueNames.maintenance, { connection: engine.redis, prefix: engine.prefix });
    expect(await maintenance.getJobScheduler('job-retention')).toMatchObject({ every: 86_400_000, name: 'delete-expired-jobs' });
    await maintenance.close();
  });
  afterAll(() => engine.close());

  it('deletes jobs ended more than 90 days ago with all their tasks, in batches, and records the run', async () => {
    const old = await f.job(25, '91 days');
    const recent = await f.job(5, '89 days 23 hours');
    const running = await f.job(5, null, '400 days');
    const persons = await f.sql<{ id: string }>(`insert into persons (id) values (gen_random_uuid()), (gen_random_uuid()) returning id`);
    await f.sql(`insert into manual_merge_candidates (merge_candidate_id, person_id, master_person_id, inserted_at) values (gen_random_uuid(), ?, ?, now() - interval '1000 days')`, [persons[0]!.id, persons[1]!.id]);
    await f.sql(`insert into audit_log (resource, resource_id, changeset, inserted_at) values ('person', ?, '{}', now() - interval '1000 days')`, [persons[0]!.id]);

    const result = await worker.retentionNow();
    // 25 tasks by 10: three task statements (10, 10, 5), then the job row.
    expect(result).toMatchObject({ jobsDeleted: 1, tasksDeleted: 25, statements: 4 });
    expect(await f.jobExists(old)).toBe(false);
    expect(await f.taskCount(old)).toBe(0);
    expect(await f.jobExists(recent)).toBe(true);
    expect(await f.taskCount(recent)).toBe(5);
    expect(await f.jobExists(running)).toBe(true);
    expect(await f.taskCount(running)).toBe(5);
    const [kept] = await f.sql<{ candidates: number; audits: number }>(
      `select (select count(*)::int from manual_merge_candidates) as candidates, (select count(*)::int from audit_log) as audits`,
    );
    expect(kept).toEqual({ candidates: 1, audits: 1 });

    const run = await findMaintenanceRun(engine.orm.em.fork(), maintenanceRunNames.jobRetention);
    expect(run?.lastResult).toMatchObject({ retentionDays: 90, jobsDeleted: 1, tasksDeleted: 25, statements: 4 });
    expect(Date.now() - Date.parse(run!.lastRunAt)).toBeLessThan(60_000);
  });

  it('a job exactly one batch long takes one more statement that finds nothing', async () => {
    const job = await f.job(10, '100 days');
    expect(await worker.retentionNow()).toMatchObject({ jobsDeleted: 1, tasksDeleted: 10, statements: 3 });
    expect(await f.jobExists(job)).toBe(false);
  });

  it('a pass that stops between two batches leaves the job with counters that add up; the next pass finishes it', async () => {
    const job = await f.job(30, '100 days');
    const crash = new Error('the worker died');
    await expect(deleteEndedJobs(sqlOf(engine.orm.em.fork()), {
      cutoff: new Date(Date.now() - 90 * 86_400_000), batchSize: 10, onStatement: () => { throw crash; },
    })).rejects.toBe(crash);
    expect(await f.taskCount(job)).toBe(20);
    expect((await engine.job(job)).counters).toMatchObject({ total: 20 });
    expect(await engine.countersMatchTasks(job)).toBe(true);

    expect(await worker.retentionNow()).toMatchObject({ jobsDeleted: 1, tasksDeleted: 20 });
    expect(await f.jobExists(job)).toBe(false);
  });

  it('a job retried between two batches runs again and stays', async () => {
    const job = await f.job(30, '100 days');
    await expect(deleteEndedJobs(sqlOf(engine.orm.em.fork()), {
      cutoff: new Date(Date.now() - 90 * 86_400_000), batchSize: 10, onStatement: () => { throw new Error('stop'); },
    })).rejects.toThrow('stop');
    // What a retry does to the job row: it is running again.
    await f.sql(`update jobs set status = 'PENDING', ended_at = null, tasks_pending = tasks_failed, tasks_failed = 0 where id = ?`, [job]);

    expect(await worker.retentionNow()).toMatchObject({ jobsDeleted: 0, tasksDeleted: 0 });
    expect(await f.taskCount(job)).toBe(20);
    expect((await engine.job(job)).counters).toMatchObject({ total: 20, PROCESSED: 13, PENDING: 7 });
  });
});

describe('job retention when off', () => {
  it('JOB_RETENTION_DAYS=off deletes nothing and schedules nothing', async () => {
    expect(loadConfig({ JOB_RETENTION_DAYS: 'off' }).JOB_RETENTION_DAYS).toBe('off');
    expect(loadConfig({}).JOB_RETENTION_DAYS).toBe(90);
    const engine = await createEngine();
    try {
      const f = fixtures(engine);
      const old = await f.job(3, '1000 days');
      const worker = await engine.startWorker(handlers, { retentionDays: null });
      expect(await worker.retentionNow()).toBeNull();
      expect(await f.jobExists(old)).toBe(true);
      expect(await f.taskCount(old)).toBe(3);
      expect(await findMaintenanceRun(engine.orm.em.fork(), maintenanceRunNames.jobRetention)).toBeNull();
      const maintenance = new Queue(queueNames.maintenance, { connection: engine.redis, prefix: engine.prefix });
      expect(await maintenance.getJobScheduler('job-retention')).toBeUndefined();
      await maintenance.close();
    } finally {
      await engine.close();
    }
  });
});
