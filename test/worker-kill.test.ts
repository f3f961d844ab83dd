/**
 * A worker process killed (SIGKILL) in the middle of a device registry import: its chunk's
 * transaction rolls back, BullMQ redelivers the chunk once its lock expires, and every record still
 * ends exactly once: one device definition per PROCESSED task, none without a task, none twice.
 * Real processes, real Postgres and Redis, as operators run them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { queueNames } from '@jabba/domain/engine';
import { createPlatform, type Platform } from '#test/platform';
import { connectRedis } from '#test/redis';
import { waitFor } from '#test/wait-for';

// The header of test/device-registry-import.test.ts (importing it would run its tests here too).
const header = 'classification_type,manufacturer_name,manufacturer_country,model_number,packaging_type,packaging_count,packaging_unit,is_active,device_names.name,device_names.type,description,properties.type,properties.value_integer';
const records = 40_000;
/** Every 33rd record has packaging_count 0: about 3% of the file fails validation. */
const isBad = (i: number) => i % 33 === 7;
const lockMs = 2_000;

let platform: Platform;
let redis: Redis;

beforeAll(async () => {
  platform = await createPlatform({ poolSize: 2 });
  redis = connectRedis();
});

afterAll(async () => {
  await redis.quit();
  await platform.stop();
});

const sql = <R>(text: string, values?: unknown[]): Promise<R[]> => platform.sql<R>(text, values);

// Workers are named (PGAPPNAME) so the test can see which one has a chunk open; the short lock lets
// BullMQ hand a dead worker's chunk back soon.
const workerEnv = { WORKER_CONCURRENCY: '2', WORKER_LOCK_DURATION_MS: String(lockMs), SHUTDOWN_TIMEOUT_MS: '5000' };

const csvFile = (): string => {
  const lines = Array.from({ length: records }, (_, i) =>
    `IIa,Acme,UA,K-${i},box,${isBad(i) ? 0 : (i % 50) + 1},piece,true,Device ${i},USER_PROVIDED,,,`);
  return [header, ...lines].join('\n');
};

interface JobRow { status: string; tasks_total: number; tasks_processed: number; tasks_failed: number; tasks_rescued: number; tasks_new: number; tasks_pending: number }
const jobRow = async (id: string): Promise<JobRow> => {
  const [row] = await sql<JobRow>(
    'select status, tasks_total, tasks_new, tasks_pending, tasks_processed, tasks_failed, tasks_rescued from jobs where id = ?', [id]);
  return row!;
};

/** Sessions of `name` inside a transaction that has written: a chunk in the middle of its work. */
const writingChunks = async (name: string): Promise<number> => {
  const [row] = await sql<{ n: string }>(
    `select count(*) as n from pg_stat_activity where datname = current_database() and application_name = ? and backend_xid is not null`, [name]);
  return Number(row!.n);
};

describe('a worker killed in the middle of an import', () => {
  it('loses nothing and runs nothing twice: the dead chunk is rolled back and redelivered', async () => {
    const began = Date.now();
    const { baseUrl, workers: [victim, survivor] } = await platform.start({ workers: ['jabba-w1', 'jabba-w2'], workerEnv });

    const client = await platform.nhsClient('Registry owner');
    const token = await client.token(['device_registry:write']);
    const response = await fetch(`${baseUrl}/v1/device-registry-jobs?registerType=MEDICAL_DEVICE&reasonDescription=Kill%20test`, {
      method: 'POST',
      headers: { 'Content-Type': 'text/csv', Authorization: `Bearer ${token}` },
      body: csvFile(),
    });
    expect(response.status).toBe(202);
    const { databaseId: jobId } = (await response.json()) as { databaseId: string };
    const uploaded = Date.now();

    // Kill w1 only while it holds a chunk it has written to, and the job is under way but not done.
    const atKill = await waitFor(async () => {
      const job = await jobRow(jobId);
      if (job.status !== 'PENDING') throw new Error(`job ended (${job.status}) before the kill: make the file bigger`);
      return job.tasks_processed > 0 && (await writingChunks('jabba-w1')) > 0 ? job : undefined;
    }, { timeout: 20_000, interval: 10, what: 'w1 to be in the middle of a chunk' });
    victim.child.kill('SIGKILL');
    const [, signal] = await victim.exit;
    expect(signal).toBe('SIGKILL');
    expect(atKill.tasks_processed).toBeLessThan(records);
    // Postgres notices the dropped connection and rolls w1's open chunks back.
    await waitFor(async () => (await writingChunks('jabba-w1')) === 0, { what: "w1's transactions to roll back" });
    const killed = Date.now();

    const replacement = await platform.startWorker('jabba-w3', workerEnv);
    const ended = await waitFor(async () => {
      const job = await jobRow(jobId);
      return job.status !== 'PENDING' ? job : undefined;
    }, { timeout: 60_000, interval: 100, what: 'the job to end' });
    const done = Date.now();

    const bad = Array.from({ length: records }, (_, i) => i).filter(isBad);
    expect(ended).toEqual({
      status: 'FAILED', tasks_total: records, tasks_new: 0, tasks_pending: 0,
      tasks_processed: records - bad.length, tasks_failed: bad.length, tasks_rescued: 0,
    });

    // The stored counters are what the tasks say.
    const byStatus = await sql<{ status: string; n: string }>('select status, count(*) as n from tasks where job_id = ? group by status order by status', [jobId]);
    expect(Object.fromEntries(byStatus.map((r) => [r.status, Number(r.n)]))).toEqual({ FAILED: bad.length, PROCESSED: records - bad.length });

    // Exactly once: one device definition per PROCESSED task, each pointed at by one task only.
    const [links] = await sql<{ processed: string; ids: string; distinct_ids: string; found: string; devices: string; orphans: string }>(
      `select
         (select count(*) from tasks where job_id = ? and status = 'PROCESSED') as processed,
         (select count(meta->>'databaseId') from tasks where job_id = ? and status = 'PROCESSED') as ids,
         (select count(distinct meta->>'databaseId') from tasks where job_id = ? and status = 'PROCESSED') as distinct_ids,
         (select count(*) from tasks t join device_definitions d on d.id = (t.meta->>'databaseId')::uuid where t.job_id = ? and t.status = 'PROCESSED') as found,
         (select count(*) from device_definitions) as devices,
         (select count(*) from device_definitions d where not exists (
            select 1 from tasks t where t.job_id = ? and t.meta->>'databaseId' = d.id::text)) as orphans`,
      [jobId, jobId, jobId, jobId, jobId]);
    const processed = records - bad.length;
    expect(Object.fromEntries(Object.entries(links!).map(([k, v]) => [k, Number(v)]))).toEqual({
      processed, ids: processed, distinct_ids: processed, found: processed, devices: processed, orphans: 0,
    });

    // The failures are exactly the bad lines (record i is on file line i + 2), each a validation error.
    const failed = await sql<{ line: number; error: { message: string; extensions: { code: string } } }>(
      `select (meta->>'csvDataLine')::int as line, error from tasks where job_id = ? and status = 'FAILED' order by seq`, [jobId]);
    expect(failed.map((f) => f.line)).toEqual(bad.map((i) => i + 2));
    const problem = 'column "packaging_count" must be a positive integer, got "0"';
    expect(failed[0]!.error).toEqual({
      message: `Line ${bad[0]! + 2}: ${problem}`,
      extensions: { code: 'VALIDATION_ERROR', fields: [{ column: 'packaging_count', value: '0', rule: 'positive_integer', message: problem }] },
    });
    expect(new Set(failed.map((f) => f.error.extensions.code))).toEqual(new Set(['VALIDATION_ERROR']));

    // w1 really died holding work: BullMQ saw its chunk(s) stall and handed them back (at most its concurrency).
    const events = await redis.xrange(`${platform.prefix}:${queueNames.tasks}:events`, '-', '+');
    const stalled = events.filter(([, fields]) => fields[1] === 'stalled').length;
    expect(stalled).toBeGreaterThanOrEqual(1);
    expect(stalled).toBeLessThanOrEqual(2);

    const logs = [survivor.output(), replacement.output()].join('');
    const warnings = logs.split('\n').filter((l) => /"level":(40|50|60)/.test(l));
    console.info(
      `worker-kill: upload ${uploaded - began} ms after start, kill at ${atKill.tasks_processed}/${records} processed ` +
      `(${killed - uploaded} ms), ended ${done - killed} ms after the kill; stalled chunks ${stalled}; warnings ${warnings.length}`,
      warnings.slice(0, 5),
    );
    expect(warnings).toEqual([]);
    // Runs in about 15 s; the limit only leaves room for the 60 s wait above to say what it waited for.
  }, 90_000);
});
