/**
 * Faults 2 and 3 of issue 14: Redis loses everything in the middle of an import, by FLUSHALL or by
 * dying and coming back empty. Postgres is the truth, so the reconciler re-offers what is left and
 * every line still ends exactly once; while Redis is away, the api refuses new work at once (503
 * with Retry-After) rather than writing a job it cannot queue or hanging.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPlatform, type Platform, type RunningPlatform } from '#test/platform';
import type { AppProcess } from '#test/process';
import { startPrivatePostgres, startPrivateRedis, type PrivatePostgres, type PrivateRedis } from '#test/private-services';
import { waitFor } from '#test/wait-for';
import { expectExactlyOnce, recordJobEnds } from './exactly-once';
import { copyGate } from './gates';
import { registryCsv, uploadRegistry, waitForEnd } from './imports';
import { breakMidImport, slowWorkerEnv } from './mid-import';

let postgres: PrivatePostgres;
let redis: PrivateRedis;
let platform: Platform;
let running: RunningPlatform<readonly AppProcess[]>;

// The reconciler is what recovers from a lost Redis: every 2 s instead of every minute.
const workerEnv = { ...slowWorkerEnv, RECONCILE_EVERY_MS: '2000' };

beforeAll(async () => {
  [postgres, redis] = await Promise.all([startPrivatePostgres(), startPrivateRedis()]);
  platform = await createPlatform({ poolSize: 2, services: { postgres, redisUrl: redis.url } });
  await recordJobEnds(platform.sql);
  running = await platform.start({ workers: ['jabba-w1', 'jabba-w2'], workerEnv });
});

afterAll(async () => {
  await platform?.stop();
  await Promise.all([postgres?.stop(), redis?.stop()]);
});

interface Refusal {
  ms: number;
  status: number;
  retryAfter: string | null;
  body: unknown;
}

/**
 * A request made while Redis is away, timed: it must be answered, and soon. One that hangs is given
 * up after 6 s (status 0), so that the test can bring Redis back and report it.
 */
async function timed(request: (signal: AbortSignal) => Promise<Response>): Promise<Refusal> {
  const start = Date.now();
  try {
    const response = await request(AbortSignal.timeout(6000));
    const body: unknown = await response.json();
    return { ms: Date.now() - start, status: response.status, retryAfter: response.headers.get('retry-after'), body };
  } catch (error) {
    return { ms: Date.now() - start, status: 0, retryAfter: null, body: String(error) };
  }
}

const countRows = async (): Promise<{ jobs: number; tasks: number }> => {
  const [row] = await platform.sql<{ jobs: string; tasks: string }>('select (select count(*) from jobs) as jobs, (select count(*) from tasks) as tasks');
  return { jobs: Number(row!.jobs), tasks: Number(row!.tasks) };
};

const outageFile = registryCsv({ records: 50, badEvery: 20, tag: 'outage' });
// Longer than the import it outlives (6,000 records, mid-import.ts), for its gate's sake.
const heldFile = registryCsv({ records: 6100, badEvery: 20, tag: 'held' });

/** A REST upload and a GraphQL upload mutation while Redis is down: both refused at once, nothing written. */
async function uploadsDuringOutage(token: string): Promise<Refusal[]> {
  const file = outageFile;
  const headers = { Authorization: `Bearer ${token}` };
  const rows = await countRows();
  const refusals = [
    await timed((signal) => fetch(`${running.baseUrl}/v1/device-registry-jobs?registerType=MEDICAL_DEVICE&reasonDescription=Outage`, {
      signal, method: 'POST', headers: { ...headers, 'Content-Type': 'text/csv' }, body: file.text,
    })),
    await timed((signal) => fetch(`${running.baseUrl}/graphql`, {
      signal, method: 'POST',
      headers: { ...headers, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        query: 'mutation($input: UploadDeviceRegistryInput!) { uploadDeviceRegistry(input: $input) { deviceRegistryJob { id } } }',
        variables: { input: { registerType: 'MEDICAL_DEVICE', reasonDescription: 'Outage', csvData: file.text } },
      }),
    })),
  ];
  expect(await countRows(), 'jobs and tasks after the refused uploads').toEqual(rows);
  return refusals;
}

/**
 * An upload whose PING found Redis up, held in its COPY until Redis is dead: its job commits, its
 * chunks cannot be queued. It is accepted all the same (202: the job exists), and the reconciler
 * runs it once Redis is back. It is held before the import it outlives starts, so that the import
 * does not run on while it gets there; its gate is at a task position the import never reaches.
 */
async function holdAnUpload(token: string): Promise<{ release(): Promise<{ ms: number; status: number; jobId: string }> }> {
  const gate = await copyGate(platform.db.url, heldFile.records - 10);
  const upload = fetch(`${running.baseUrl}/v1/device-registry-jobs?registerType=MEDICAL_DEVICE&reasonDescription=Held`, {
    method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'text/csv' }, body: heldFile.text,
  });
  upload.catch(() => undefined); // awaited by release
  await gate.waitForHeld().catch(async (error: unknown) => {
    await gate.remove();
    throw error;
  });
  return {
    async release() {
      const start = Date.now();
      try {
        await gate.open();
        const response = await upload;
        const body = (await response.json()) as { databaseId: string };
        return { ms: Date.now() - start, status: response.status, jobId: body.databaseId };
      } finally {
        await gate.remove();
      }
    },
  };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('Redis loses everything mid-import', () => {
  it('2. FLUSHALL: the reconciler re-offers the unfinished chunks and every line ends exactly once', async () => {
    const broken = await breakMidImport(platform, running.baseUrl, () => redis.flushAll(), { tag: 'flush' });
    expect(broken.status).toBe('FAILED');
    await expectExactlyOnce(platform.sql, broken.jobId, { records: broken.file.records, badLines: broken.file.badLines });
  });

  it('3. killed, and back empty 10 s later: the api refuses new work at once meanwhile, nothing restarts, the import ends exactly once', async () => {
    const pids = platform.processes.map((p) => p.child.pid);
    const token = await (await platform.nhsClient('Outage')).token(['device_registry:write']);
    let refusals: Refusal[] = [];
    let held = { ms: 0, status: 0, jobId: '' };
    const holding = await holdAnUpload(token);
    const broken = await breakMidImport(platform, running.baseUrl, async () => {
      await redis.kill();
      const down = Date.now();
      held = await holding.release();
      refusals = await uploadsDuringOutage(token);
      await sleep(10_000 - (Date.now() - down));
      await redis.start();
    }, { tag: 'kill' });
    expect(refusals.map((r) => r.ms).every((ms) => ms < 5000), `answered within 5 s: ${refusals.map((r) => r.ms).join(', ')} ms`).toBe(true);
    const detail = 'The queue (Redis) does not answer, so nothing was written; try again in 5 seconds';
    expect(refusals.map(({ ms: _ms, ...r }) => r)).toEqual([
      { status: 503, retryAfter: '5', body: { type: '/problems/unavailable', title: 'Service Unavailable', status: 503, detail, requestId: expect.any(String) } },
      // GraphQL answers 200 with the error in the body (the eHealth model), as for `busy`.
      { status: 200, retryAfter: null, body: expect.objectContaining({ data: { uploadDeviceRegistry: null }, errors: [expect.objectContaining({ message: detail, extensions: { code: 'INTERNAL_SERVER_ERROR' } })] }) },
    ]);
    expect(broken.status).toBe('FAILED');
    await expectExactlyOnce(platform.sql, broken.jobId, { records: broken.file.records, badLines: broken.file.badLines });

    // Committed as Redis died: accepted at once, and run once Redis was back.
    expect({ status: held.status, fast: held.ms < 5000 }, `the held upload answered in ${held.ms} ms`).toEqual({ status: 202, fast: true });
    expect(running.api.output()).toContain(`the chunks of job ${held.jobId} were committed but not queued; the reconciler will offer them`);
    await waitForEnd(platform.sql, held.jobId);
    await expectExactlyOnce(platform.sql, held.jobId, { records: heldFile.records, badLines: heldFile.badLines });

    // The refused upload, sent again once the api says it is ready (its connection reconnects with
    // a backoff of up to 2 s after Redis is back), is taken by the same api and run by the same workers.
    await waitFor(async () => ((await fetch(`${running.baseUrl}/ready`)).ok ? true : undefined), { timeout: 10_000, interval: 100, what: 'the api to be ready again' });
    const retried = await uploadRegistry(running.baseUrl, token, outageFile.text);
    await waitForEnd(platform.sql, retried);
    await expectExactlyOnce(platform.sql, retried, { records: outageFile.records, badLines: outageFile.badLines });
    expect(platform.processes.map((p) => [p.child.pid, p.child.exitCode, p.child.signalCode]), 'the same processes, none exited')
      .toEqual(pids.map((pid) => [pid, null, null]));
  });
});
