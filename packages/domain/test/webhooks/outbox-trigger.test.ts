/**
 * The outbox trigger against a real database, through the engine's own writes: a job's end writes
 * one delivery per subscribed, enabled endpoint of the job's client in the end's transaction (none
 * when that transaction rolls back), and a retried job that ends again is a second event.
 */
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJob } from '../../src/engine';
import { cancelJob, retryFailedTasks } from '../../src/engine/job-writes';
import { upsertClient } from '../../src/identity';
import { createEndpoint } from '../../src/webhooks';
import { openOrmDatabase, type OrmDatabase } from '#test/orm-database';

let database: OrmDatabase;
let sql: pg.Client;
const [owner, other] = ['00000000-0000-4000-8000-0000000000a1', '00000000-0000-4000-8000-0000000000a2'];
let endpoints: string[];

beforeAll(async () => {
  database = await openOrmDatabase({ poolSize: 2 });
  sql = database.sql;
  const em = database.orm.em.fork();
  for (const id of [owner, other]) await upsertClient(em, { id, name: id, type: 'MIS', status: 'ACTIVE' });
  const endpoint = (clientId: string) => createEndpoint(em, { clientId, url: 'https://93.184.215.14/', events: ['job.ended'] });
  endpoints = [(await endpoint(owner)).id, (await endpoint(owner)).id];
  const disabled = await endpoint(owner);
  await sql.query('update webhook_endpoints set disabled_at = now() where id = $1', [disabled.id]);
  await endpoint(other);
});
afterAll(() => database.close());

const newJob = async () => (await createJob(database.orm.em.fork(), { type: 'test_generic', strategy: 'CONCURRENT', clientId: owner, tasks: [{ meta: {} }, { meta: {} }] })).job.id;

const deliveriesOf = async (jobId: string) => (await sql.query<{ endpoint_id: string; event_id: string; payload: Record<string, unknown>; status: string }>(
  `select endpoint_id, event_id, payload, status from webhook_deliveries where payload->>'jobId' = $1 order by inserted_at, endpoint_id`, [jobId],
)).rows;

describe('the job.ended outbox trigger', () => {
  it('writes one delivery per subscribed enabled endpoint of the job’s client when the job ends, one event id for all', async () => {
    const jobId = await newJob();
    expect(await deliveriesOf(jobId)).toEqual([]);
    await cancelJob(database.orm.em.fork(), jobId);
    const rows = await deliveriesOf(jobId);
    expect(rows.map((r) => r.endpoint_id).sort()).toEqual([...endpoints].sort());
    expect(new Set(rows.map((r) => r.event_id)).size).toBe(1);
    const { rows: [job] } = await sql.query<{ ended_at: string }>(`select to_char(ended_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as ended_at from jobs where id = $1`, [jobId]);
    expect(rows[0]).toMatchObject({
      status: 'PENDING',
      payload: { type: 'job.ended', jobId, jobType: 'test_generic', status: 'FAILED', progress: { total: 2, pending: 0, processed: 0, failed: 0, aborted: 2 }, endedAt: job!.ended_at },
    });
  });

  it('writes nothing when the end rolls back', async () => {
    const jobId = await newJob();
    await sql.query('begin');
    try {
      await sql.query(
        `update jobs set tasks_new = 0, tasks_pending = 0, tasks_aborted = tasks_total, status = 'FAILED', ended_at = now() where id = $1`, [jobId],
      );
      expect(await deliveriesOf(jobId)).toHaveLength(2);
    } finally {
      await sql.query('rollback');
    }
    expect(await deliveriesOf(jobId)).toEqual([]);
  });

  it('makes a second event of a retried job that ends again', async () => {
    const jobId = await newJob();
    const em = database.orm.em.fork();
    await cancelJob(em, jobId);
    await sql.query(`update tasks set status = 'FAILED' where job_id = $1`, [jobId]);
    await sql.query(`update jobs set tasks_aborted = 0, tasks_failed = 2 where id = $1`, [jobId]);
    await retryFailedTasks(em, jobId);
    expect(await deliveriesOf(jobId)).toHaveLength(2);
    await cancelJob(em, jobId);
    expect(new Set((await deliveriesOf(jobId)).map((r) => r.event_id)).size).toBe(2);
  });
});
