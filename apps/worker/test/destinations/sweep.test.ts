/**
 * The scheduled deletion of destinations (SPEC §4): which ones a sweep picks, that each run is a
 * job with a task per deleted destination, that deletion takes everything below a destination, that
 * one valid event token keeps it, and that the task asks again under the lock. Time passes by
 * moving timestamps back in SQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Queue } from 'bullmq';
import { queueNames } from '@jabba/domain/engine';
import { createLogger } from '@jabba/domain/platform';
import { testPrefix } from '#test/redis';
import { waitFor } from '#test/wait-for';
import { loadConfig } from '../../src/config';
import { createHandlers } from '../../src/registry';
import { sweepDestinations } from '@jabba/domain/destinations';
import type { RunningWorker } from '../../src/worker';
import { createEngine, type Engine } from '../harness';

const handlers = createHandlers(loadConfig({}));

function fixtures(engine: Engine) {
  const sql = async <R>(text: string, values: unknown[] = []): Promise<R[]> => (await engine.orm.em.fork().getConnection().execute(text, values)) as R[];
  return {
    sql,
    /** A destination whose status changed `ago` (a Postgres interval) before now. */
    async destination(status: string, ago: string): Promise<string> {
      const [row] = await sql<{ id: string }>(
        `insert into destinations (name, status, status_changed_at) values ('Amt', ?, now() - ?::interval) returning id`, [status, ago],
      );
      return row!.id;
    },
    /** A case with a submission and a reply, and one event token per interval (its expiry relative to now). */
    async caseOf(destinationId: string, ...expiresIn: string[]): Promise<string> {
      const [row] = await sql<{ id: string }>(`insert into cases (destination_id) values (?) returning id`, [destinationId]);
      const caseId = row!.id;
      await sql(`insert into submissions (destination_id, case_id, payload) values (?, ?, '{"a":1}')`, [destinationId, caseId]);
      await sql(`insert into case_replies (case_id, payload) values (?, '{"b":2}')`, [caseId]);
      for (const at of expiresIn) await sql(`insert into case_events (case_id, event, expires_at) values (?, 'status', now() + ?::interval)`, [caseId, at]);
      return caseId;
    },
    async exists(destinationId: string): Promise<boolean> {
      return (await sql(`select 1 from destinations where id = ?`, [destinationId])).length === 1;
    },
    /** Rows still below a case, table by table. */
    async below(caseId: string) {
      const [row] = await sql<Record<string, number>>(
        `select (select count(*)::int from cases where id = ?) as cases, (select count(*)::int from submissions where case_id = ?) as submissions,
                (select count(*)::int from case_events where case_id = ?) as events, (select count(*)::int from case_replies where case_id = ?) as replies`,
        [caseId, caseId, caseId, caseId],
      );
      return row;
    },
    async deletionJobs(): Promise<number> {
      const [row] = await sql<{ n: number }>(`select count(*)::int as n from jobs where type = 'destination_deletion'`);
      return row!.n;
    },
  };
}

describe('the destination deletion sweep', () => {
  let engine: Engine;
  let worker: RunningWorker;
  let f: ReturnType<typeof fixtures>;

  beforeAll(async () => {
    engine = await createEngine();
    f = fixtures(engine);
    worker = await engine.startWorker(handlers);
    // The scheduler's first run happens at once; let it pass so the tests below sweep on their own.
    await waitFor(() => engine.logs.some((l) => l.msg === 'destination sweep: nothing to delete'), { what: 'the first scheduled sweep' });
  });
  afterAll(() => engine.close());

  it('deletes what has been decommissioned for more than 730 days with every token expired, and everything below it', async () => {
    const due = await f.destination('decommissioned', '731 days');
    const dueCase = await f.caseOf(due, '-1 day', '-1 second');
    const dueEmpty = await f.destination('decommissioned', '2000 days');
    const notLongEnough = await f.destination('decommissioned', '730 days 23 hours');
    const tokenLeft = await f.destination('decommissioned', '900 days');
    const expiredCase = await f.caseOf(tokenLeft, '-10 days');
    const validCase = await f.caseOf(tokenLeft, '-10 days', '1 day');
    const inactive = await f.destination('inactive', '1000 days');
    const inactiveCase = await f.caseOf(inactive, '-1 day');

    const jobId = await worker.sweepNow();
    expect(jobId).not.toBeNull();
    const job = await engine.waitForEnd(jobId!);
    expect(job).toMatchObject({
      type: 'destination_deletion', name: 'Delete expired decommissioned destinations', strategy: 'CONCURRENT', status: 'PROCESSED',
      clientId: null, meta: { deleteAfterDays: 730 }, counters: { total: 2, PROCESSED: 2 },
    });
    const tasks = await engine.tasks(jobId!);
    expect(tasks.map((t) => t.meta)).toEqual([due, dueEmpty].sort().map((destinationId) => ({ destinationId })));

    expect(await f.exists(due)).toBe(false);
    expect(await f.exists(dueEmpty)).toBe(false);
    expect(await f.below(dueCase)).toEqual({ cases: 0, submissions: 0, events: 0, replies: 0 });
    for (const kept of [notLongEnough, tokenLeft, inactive]) expect(await f.exists(kept)).toBe(true);
    expect(await f.below(expiredCase)).toEqual({ cases: 1, submissions: 1, events: 1, replies: 1 });
    expect(await f.below(validCase)).toEqual({ cases: 1, submissions: 1, events: 2, replies: 1 });
    expect(await f.below(inactiveCase)).toEqual({ cases: 1, submissions: 1, events: 1, replies: 1 });

    // Its last token expires: the next run takes it, and only it.
    await f.sql(`update case_events set expires_at = now() - interval '1 second' where case_id = ?`, [validCase]);
    const next = await engine.waitForEnd((await worker.sweepNow())!);
    expect(next.counters).toMatchObject({ total: 1, PROCESSED: 1 });
    expect(await f.exists(tokenLeft)).toBe(false);
    expect(await f.below(validCase)).toEqual({ cases: 0, submissions: 0, events: 0, replies: 0 });
    for (const kept of [notLongEnough, inactive]) expect(await f.exists(kept)).toBe(true);
  });

  it('creates no job when nothing is due', async () => {
    const before = await f.deletionJobs();
    expect(await worker.sweepNow()).toBeNull();
    expect(await f.deletionJobs()).toBe(before);
  });

  it('a token added after the sweep looked keeps the destination: the task asks again under the lock', async () => {
    const late = await f.destination('decommissioned', '800 days');
    const lateCase = await f.caseOf(late, '-1 day');
    // Submitted to a queue no worker reads, so the task cannot run before the new token exists.
    const parked = new Queue(queueNames.tasks, { connection: engine.redis, prefix: testPrefix() });
    const jobId = await sweepDestinations({
      orm: engine.orm, tasksQueue: parked, logger: createLogger('silent', 'test'), now: () => new Date(), deleteAfterDays: 730,
    });
    await parked.close();
    await f.sql(`insert into case_events (case_id, event, expires_at) values (?, 'late', now() + interval '1 hour')`, [lateCase]);

    await worker.reconcileNow();
    const job = await engine.waitForEnd(jobId!);
    expect(job).toMatchObject({ status: 'FAILED', counters: { total: 1, FAILED: 1 } });
    const [task] = await engine.tasks(jobId!);
    expect(task).toMatchObject({
      status: 'FAILED',
      error: { message: `Destination ${late} has the wrong state for this operation.`, extensions: { code: 'destination-state-invalid' } },
    });
    expect(await f.exists(late)).toBe(true);
    expect(await f.below(lateCase)).toEqual({ cases: 1, submissions: 1, events: 2, replies: 1 });
  });
});

describe('the sweep scheduler', () => {
  it('runs at start and then every DESTINATION_SWEEP_EVERY_MS, each run a job of its own', async () => {
    const engine = await createEngine();
    try {
      const f = fixtures(engine);
      const first = await f.destination('decommissioned', '731 days');
      await engine.startWorker(handlers, { sweepEveryMs: 1000 });
      await waitFor(async () => !(await f.exists(first)), { what: 'the first scheduled sweep to delete it' });

      const second = await f.destination('decommissioned', '731 days');
      await waitFor(async () => !(await f.exists(second)), { what: 'a later scheduled sweep to delete it' });
      const jobs = await f.sql<{ status: string; total: number }>(`select status, tasks_total as total from jobs where type = 'destination_deletion' order by inserted_at`);
      expect(jobs).toEqual([{ status: 'PROCESSED', total: 1 }, { status: 'PROCESSED', total: 1 }]);
    } finally {
      await engine.close();
    }
  });
});
