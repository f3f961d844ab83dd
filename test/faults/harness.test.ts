/**
 * The fault suite's own footing: a private Postgres restarts and a private Redis dies and comes back
 * empty on its port, and an import through them with two worker processes and no fault passes the
 * exactly-once check. If this fails, every other fault test's verdict means nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import pg from 'pg';
import { createPlatform, type Platform } from '#test/platform';
import { startPrivatePostgres, startPrivateRedis, type PrivatePostgres, type PrivateRedis } from '#test/private-services';
import { waitFor } from '#test/wait-for';
import { expectExactlyOnce, recordJobEnds } from './exactly-once';
import { registryCsv, uploadRegistry, waitForEnd } from './imports';

let postgres: PrivatePostgres;
let redis: PrivateRedis;
let platform: Platform;

beforeAll(async () => {
  [postgres, redis] = await Promise.all([startPrivatePostgres(), startPrivateRedis()]);
  platform = await createPlatform({ poolSize: 2, services: { postgres, redisUrl: redis.url } });
  await recordJobEnds(platform.sql);
});

afterAll(async () => {
  await platform?.stop();
  await Promise.all([postgres?.stop(), redis?.stop()]);
});

describe('the private services', () => {
  it('restart Postgres on its port, and bring Redis back empty on its port', async () => {
    const client = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    client.on('error', () => undefined); // refused while the server is down, which is the point
    await client.set('k', 'v');
    await redis.kill();
    await redis.start();
    await waitFor(async () => (await client.ping().catch(() => null)) === 'PONG', { what: 'the client to reconnect' });
    expect(await client.get('k')).toBeNull();
    client.disconnect();

    await postgres.restart('fast');
    const admin = new pg.Client({ connectionString: postgres.databaseUrl('jabba') });
    await admin.connect();
    expect((await admin.query<{ n: number }>('select 1 as n')).rows).toEqual([{ n: 1 }]);
    await admin.end();
  });

  it('run an import with two workers that ends exactly once', async () => {
    const { baseUrl } = await platform.start({ workers: ['jabba-w1', 'jabba-w2'] });
    const file = registryCsv({ records: 3000, badEvery: 100 });
    const client = await platform.nhsClient('Harness');
    const jobId = await uploadRegistry(baseUrl, await client.token(['device_registry:write']), file.text);
    await waitForEnd(platform.sql, jobId);
    await expectExactlyOnce(platform.sql, jobId, { records: file.records, badLines: file.badLines });
  });
});
