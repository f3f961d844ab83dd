/**
 * Faults 4 and 5 of issue 14: Postgres drops the connections of a running import, by restarting or
 * by terminating the workers' backends in the middle of a chunk. A chunk whose connection dies rolls
 * back as a whole and is run again; a lost connection is never a task's failure, so no task ends
 * RESCUED, and the api and the workers reconnect without a restart.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPlatform, type Platform, type RunningPlatform } from '#test/platform';
import type { AppProcess } from '#test/process';
import { startPrivatePostgres, startPrivateRedis, type PrivatePostgres, type PrivateRedis } from '#test/private-services';
import { waitFor } from '#test/wait-for';
import { expectExactlyOnce, recordJobEnds } from './exactly-once';
import { breakMidImport, slowWorkerEnv } from './mid-import';

let postgres: PrivatePostgres;
let redis: PrivateRedis;
let platform: Platform;
let running: RunningPlatform<readonly AppProcess[]>;

beforeAll(async () => {
  [postgres, redis] = await Promise.all([startPrivatePostgres(), startPrivateRedis()]);
  platform = await createPlatform({ poolSize: 2, services: { postgres, redisUrl: redis.url } });
  await recordJobEnds(platform.sql);
  running = await platform.start({ workers: ['jabba-w1', 'jabba-w2'], workerEnv: slowWorkerEnv });
});

afterAll(async () => {
  await platform?.stop();
  await Promise.all([postgres?.stop(), redis?.stop()]);
});

const pidsOf = (processes: readonly AppProcess[]) => processes.map((p) => [p.child.pid, p.child.exitCode, p.child.signalCode]);

/** The workers' log lines from now on. */
function workerLog(): () => string[] {
  const marks = running.workers.map((w) => w.output().length);
  return () => running.workers.flatMap((w, i) => w.output().slice(marks[i]).split('\n'));
}

/** Chunks that failed, and were retried. */
const failedChunks = (lines: string[]): number => lines.filter((line) => line.includes('"msg":"chunk failed"')).length;

/**
 * Lines that took a lost connection for a task's failure: a chunk out of attempts (then rescued, or
 * left to the reconciler when even that fails), a task RESCUED, or a batch given up on to run its
 * tasks one by one (which rescues those that throw).
 */
const misread = (lines: string[]): string[] => lines
  .filter((line) => /"lastAttempt":true|could not rescue|gave up after its last attempt|RESCUED|batch raised an exception/.test(line))
  .map((line) => {
    const { msg, err } = JSON.parse(line) as { msg?: string; err?: { message?: string } };
    return `${msg ?? line}: ${err?.message ?? ''}`;
  });

// A worker's backend inside a chunk's batch handler: from its savepoint through the dictionaries'
// read and the records' checks to the COPY of the devices (registry import, device-registry/job.ts).
const inHandler = `application_name like 'jabba-w%' and xact_start is not null
  and (query = 'savepoint chunk' or query like 'select name, code from dictionaries%' or query like 'copy device_definition%')`;

describe('Postgres drops the connections of a running import', () => {
  it('4. restarted (fast): the api and the workers reconnect, and no task is RESCUED', async () => {
    const pids = pidsOf(platform.processes);
    const log = workerLog();
    const broken = await breakMidImport(platform, running.baseUrl, () => postgres.restart('fast'), { tag: 'restart' });
    expect(broken.status).toBe('FAILED');
    await expectExactlyOnce(platform.sql, broken.jobId, { records: broken.file.records, badLines: broken.file.badLines });
    expect(misread(log()), 'a lost connection taken for a task\'s failure').toEqual([]);
    expect(failedChunks(log()), 'chunks retried after the restart').toBeGreaterThan(0);

    const token = await broken.client.token(['device_registry_job:read']);
    const job = await fetch(`${running.baseUrl}/v1/jobs/${broken.jobId}`, { headers: { Authorization: `Bearer ${token}` } });
    expect({ status: job.status, body: await job.json() }, 'the api reads the job after the restart')
      .toEqual({ status: 200, body: expect.objectContaining({ databaseId: broken.jobId, status: 'FAILED' }) });
    expect(pidsOf(platform.processes), 'the same processes, none exited').toEqual(pids);
  });

  it('5. pg_terminate_backend on every worker connection mid-chunk: the chunks run again, and no task is RESCUED', async () => {
    const pids = pidsOf(platform.processes);
    const log = workerLog();
    let terminated = { total: 0, inHandler: 0 };
    const broken = await breakMidImport(platform, running.baseUrl, async () => {
      await waitFor(async () => (await platform.sql<{ n: string }>(`select count(*) as n from pg_stat_activity where ${inHandler}`))[0]!.n !== '0',
        { interval: 5, what: 'a worker to be inside a chunk\'s handler' });
      const [row] = await platform.sql<{ total: string; in_handler: string }>(
        `select count(*) as total, count(*) filter (where in_handler) as in_handler
         from (select pg_terminate_backend(pid), ${inHandler} as in_handler from pg_stat_activity where application_name like 'jabba-w%') t`);
      terminated = { total: Number(row!.total), inHandler: Number(row!.in_handler) };
    }, { tag: 'terminate' });
    expect(terminated.inHandler, `backends terminated inside a chunk's handler (of ${terminated.total})`).toBeGreaterThan(0);
    expect(broken.status).toBe('FAILED');
    await expectExactlyOnce(platform.sql, broken.jobId, { records: broken.file.records, badLines: broken.file.badLines });
    expect(misread(log()), 'a lost connection taken for a task\'s failure').toEqual([]);
    expect(failedChunks(log()), 'chunks retried after their connection was terminated').toBeGreaterThan(0);
    expect(pidsOf(platform.processes), 'the same processes, none exited').toEqual(pids);
  });

  it('reads while Postgres is down are 503 UNAVAILABLE with Retry-After (REST), or that message (GraphQL), not 500, and answer again once it is back', async () => {
    const client = await platform.nhsClient('reader while Postgres is down');
    const token = await client.token(['device_registry_job:read']);
    const headers = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' };
    const jobId = '0190c5a0-0000-7000-8000-000000000000';
    const read = async () => {
      const rest = await fetch(`${running.baseUrl}/v1/jobs/${jobId}`, { headers });
      const graphql = await fetch(`${running.baseUrl}/graphql`, { method: 'POST', headers, body: JSON.stringify({ query: '{ jobs(first: 1) { pageInfo { hasNextPage } } }' }) });
      const body = (await graphql.json()) as { errors?: { message: string; extensions: { code: string } }[] };
      return {
        rest: { status: rest.status, retryAfter: rest.headers.get('retry-after'), body: await rest.json() as Record<string, unknown> },
        graphql: body.errors?.map((e) => ({ message: e.message, code: e.extensions.code })),
      };
    };
    const detail = 'The database is not reachable right now; try again in 5 seconds';
    expect(await postgres.downWhile(read)).toEqual({
      rest: { status: 503, retryAfter: '5', body: expect.objectContaining({ type: '/problems/unavailable', status: 503, detail }) },
      graphql: [{ message: detail, code: 'INTERNAL_SERVER_ERROR' }],
    });
    await waitFor(async () => (await read()).rest.status === 404, { what: 'the api to read again once Postgres is back' });
  });
});
