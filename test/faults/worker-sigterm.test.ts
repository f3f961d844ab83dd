/**
 * Fault 11 of issue 14: SIGTERM to a worker in the middle of a chunk, as an orchestrator stops a
 * pod. Both ends of the two-stage shutdown, in one import on three workers: w1 finishes its chunk
 * within SHUTDOWN_TIMEOUT_MS and commits it; w2 misses its deadline and hands its chunk back, which
 * w3 runs. Both exit 0, and every line ends exactly once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { createPlatform, type Platform } from '#test/platform';
import { redisUrl } from '#test/redis';
import { waitFor } from '#test/wait-for';
import { expectExactlyOnce, recordJobEnds } from './exactly-once';
import { chunkGate, type ChunkGate } from './gates';
import { registryCsv, uploadRegistry, waitForEnd } from './imports';
import { noticeDeadClients, sigterm, stalledChunks, waitForBackendsGone } from './processes';

let platform: Platform;
let gate: ChunkGate;

const workerEnv = { WORKER_CONCURRENCY: '1', WORKER_LOCK_DURATION_MS: '2000' };
const handingBack = 'running chunks did not finish in time; handing them back';

beforeAll(async () => {
  platform = await createPlatform({ poolSize: 2 });
  await noticeDeadClients(platform.sql);
  await recordJobEnds(platform.sql);
  gate = await chunkGate(platform.db.url);
});

afterAll(async () => {
  await gate?.remove();
  await platform?.stop();
});

const settledTasks = async (jobId: string, chunk: number): Promise<number> => {
  const [row] = await platform.sql<{ n: string }>(
    `select count(*) as n from tasks where job_id = ? and seq between ? and ? and status <> 'PENDING'`, [jobId, chunk * 1000 + 1, chunk * 1000 + 1000]);
  return Number(row!.n);
};

describe('fault 11: SIGTERM to a worker mid-chunk', () => {
  it('finishes the chunk within the deadline, or hands it back past it; exit code 0 either way, nothing lost', async () => {
    const [{ baseUrl }, w1, w2] = await Promise.all([
      platform.startApi(),
      platform.startWorker('jabba-w1', { ...workerEnv, SHUTDOWN_TIMEOUT_MS: '30000' }),
      platform.startWorker('jabba-w2', { ...workerEnv, SHUTDOWN_TIMEOUT_MS: '1000' }),
      platform.startWorker('jabba-w3', workerEnv),
    ]);
    const file = registryCsv({ records: 3000, badEvery: 100 });
    await gate.close([0, 1, 2]);
    const jobId = await uploadRegistry(baseUrl, await (await platform.nhsClient('Sigterm')).token(['device_registry:write']), file.text);
    // Three chunks, three workers of concurrency 1: each holds one at the gate.
    const held = await waitFor(async () => {
      const now = await gate.held();
      return now.length === 3 ? new Map(now.map((h) => [h.worker, h.chunk])) : undefined;
    }, { timeout: 30_000, interval: 50, what: 'each worker to hold a chunk' });
    await gate.open([held.get('jabba-w3')!]);

    // w1: stopping while its chunk is open, it lets the chunk finish, commits it, and exits.
    const w1Exit = sigterm(w1);
    await waitFor(() => w1.output().includes('"msg":"shutting down"'), { what: 'w1 to begin its shutdown' });
    await gate.open([held.get('jabba-w1')!]);
    expect(await w1Exit, 'w1 exit code').toBe(0);
    expect(await settledTasks(jobId, held.get('jabba-w1')!), "w1's chunk, committed by w1").toBe(1000);
    expect(w1.output()).not.toContain(handingBack);

    // w2: its chunk cannot finish (the gate stays closed), so past its deadline it exits without
    // it; Postgres rolls the chunk back, and BullMQ hands it to w3 once w2's lock expires.
    expect(await sigterm(w2), 'w2 exit code').toBe(0);
    expect(w2.output()).toContain(handingBack);
    await waitForBackendsGone(platform.sql, 'jabba-w2');
    expect(await settledTasks(jobId, held.get('jabba-w2')!), "w2's chunk, rolled back").toBe(0);
    await gate.open([held.get('jabba-w2')!]);

    await waitForEnd(platform.sql, jobId);
    await expectExactlyOnce(platform.sql, jobId, { records: file.records, badLines: file.badLines });
    const redis = new Redis(redisUrl);
    try {
      expect(await stalledChunks(redis, platform.prefix), 'chunks handed back').toBe(1);
    } finally {
      redis.disconnect();
    }
  });
});
