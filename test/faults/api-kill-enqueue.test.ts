/**
 * Fault 7 of issue 14: the api killed after its upload committed, before it enqueued the chunks.
 * The Redis of this test is paused for writes (CLIENT PAUSE WRITE) while the upload runs, so the
 * api commits the job in Postgres and then waits on its enqueue; it is SIGKILLed there, and Redis
 * drops the command of the dead client. Nothing is on the queue: the reconciler, running in the
 * workers, finds the job in Postgres and runs it, and every line ends exactly once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { queueNames } from '@jabba/domain/engine';
import { createPlatform, type Platform } from '#test/platform';
import { startPrivateRedis, type PrivateRedis } from '#test/private-services';
import { waitFor } from '#test/wait-for';
import { expectExactlyOnce, recordJobEnds } from './exactly-once';
import { registryCsv, uploadRegistry, waitForEnd } from './imports';
import { sigkill } from './processes';

let redis: PrivateRedis;
let platform: Platform;
let admin: Redis;

beforeAll(async () => {
  redis = await startPrivateRedis();
  platform = await createPlatform({ poolSize: 2 });
  await recordJobEnds(platform.sql);
  admin = new Redis(redis.url);
});

afterAll(async () => {
  await admin?.call('client', 'unpause').catch(() => undefined);
  admin?.disconnect();
  await platform?.stop();
  await redis?.stop();
});

describe('fault 7: the api killed after commit, before enqueue', () => {
  it('leaves the job in Postgres with nothing on the queue, and the reconciler runs it', async () => {
    const { baseUrl, api, workers } = await platform.start({
      workers: ['jabba-w1', 'jabba-w2'],
      apiEnv: { REDIS_URL: redis.url },
      // The reconciler's period, short: the test waits for it.
      workerEnv: { REDIS_URL: redis.url, RECONCILE_EVERY_MS: '2000' },
    });
    const file = registryCsv({ records: 3000, badEvery: 100 });
    const token = await (await platform.nhsClient('Kill before enqueue')).token(['device_registry:write']);

    // Reads and CLIENT go on; every write (BullMQ's scripts included) waits for the unpause.
    await admin.call('client', 'pause', '60000', 'WRITE');
    const upload = uploadRegistry(baseUrl, token, file.text);
    upload.catch(() => undefined); // its answer never comes: the api dies
    const jobId = await waitFor(async () =>
      (await platform.sql<{ id: string }>(`select id from jobs where tasks_total = ?`, [file.records]))[0]?.id,
    { timeout: 30_000, interval: 20, what: 'the upload to commit its job' });
    await sigkill(api);
    await expect(upload).rejects.toThrow('fetch failed');

    // Still paused, so nothing has run since: not one key of the job's chunks reached Redis.
    expect(await admin.keys(`${platform.prefix}:${queueNames.tasks}:${jobId}*`)).toEqual([]);
    expect(await platform.sql('select status, tasks_pending from jobs where id = ?', [jobId])).toEqual([{ status: 'PENDING', tasks_pending: file.records }]);
    await admin.call('client', 'unpause');

    await waitForEnd(platform.sql, jobId);
    await expectExactlyOnce(platform.sql, jobId, { records: file.records, badLines: file.badLines });
    const reoffered = () => workers.some((w) => w.output().includes('"msg":"reconciler re-offered unfinished chunks"'));
    await waitFor(reoffered, { what: "the reconciler's log line" });
  });
});
