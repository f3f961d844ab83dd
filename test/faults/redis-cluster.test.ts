/**
 * Fault 12 (issue 14): Jabba on a Redis Cluster (REDIS_CLUSTER_NODES) of three masters and three
 * replicas, and the master that holds the queues' hash slot SIGKILLed mid-import. Its replica takes
 * over within a few seconds; meanwhile the BullMQ commands of the api and the workers wait or fail,
 * and whatever the replica had not yet received is gone. The workers carry on against the new
 * master, BullMQ hands back the chunks whose locks lapsed, the reconciler re-offers what Postgres
 * says is unfinished, and the import ends exactly once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPlatform, type Platform } from '#test/platform';
import { startRedisCluster, type PrivateRedisCluster } from '#test/redis-cluster';
import { waitFor } from '#test/wait-for';
import { expectExactlyOnce, recordJobEnds } from './exactly-once';
import { jobStatus, registryCsv, uploadRegistry, waitForEnd } from './imports';

let cluster: PrivateRedisCluster;
let platform: Platform;

beforeAll(async () => {
  cluster = await startRedisCluster();
  // REDIS_URL points at nothing: a connection made anywhere but through the cluster would fail.
  platform = await createPlatform({ poolSize: 2, env: { REDIS_CLUSTER_NODES: cluster.nodes, REDIS_URL: 'redis://127.0.0.1:1' } });
  await recordJobEnds(platform.sql);
});

afterAll(async () => {
  await platform?.stop();
  await cluster?.stop();
});

// One chunk at a time per worker, so the import is a few rounds of chunks and the kill lands between
// them; a short lock and reconcile period, so what the failover lost comes back within seconds. After
// a failover a BullMQ worker's close() sometimes waits for an ioredis Cluster "end" that never comes
// (README, Failure modes 12): the shutdown deadline ends the wait, and a short one keeps stop() quick.
const workerEnv = { WORKER_CONCURRENCY: '1', WORKER_LOCK_DURATION_MS: '3000', RECONCILE_EVERY_MS: '2000', SHUTDOWN_TIMEOUT_MS: '3000' };

describe('a Redis Cluster master failover', () => {
  it('hash-tags the queues onto one slot, and an import survives the death of its master', async () => {
    const { baseUrl } = await platform.start({ workers: ['jabba-w1', 'jabba-w2'], workerEnv });
    // Every key of the platform's queues is `{<prefix>}:…`, so any one of them names their slot.
    const hashTag = `{${platform.prefix}}`;
    const slotKey = `${hashTag}:jabba-tasks:meta`;
    const master = await cluster.masterOf(slotKey);

    const file = registryCsv({ records: 6000, badEvery: 100 });
    const client = await platform.nhsClient('Cluster');
    const jobId = await uploadRegistry(baseUrl, await client.token(['device_registry:write']), file.text);
    await waitFor(async () => {
      const [row] = await platform.sql<{ processed: number }>('select tasks_processed as processed from jobs where id = ?', [jobId]);
      return row!.processed > 0;
    }, { timeout: 60_000, interval: 50, what: 'the first chunk to commit' });
    const queueKeys = await cluster.keysOn(master, `${hashTag}:*`);
    expect(queueKeys, 'the queues live on the master about to die').toContain(`${hashTag}:jabba-tasks:wait`);
    await cluster.kill(master);
    expect(await jobStatus(platform.sql, jobId), 'the job is still under way when its master dies').toBe('PENDING');

    expect(await cluster.waitForFailover(slotKey, master)).not.toBe(master);
    await waitForEnd(platform.sql, jobId);
    await expectExactlyOnce(platform.sql, jobId, { records: file.records, badLines: file.badLines });
  });
});
