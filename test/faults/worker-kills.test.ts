/**
 * Fault 1 of issue 14: a worker SIGKILLed five times during one import, each time replaced by a new
 * worker process. Each kill lands on a worker holding a chunk (its handlers run, its outcomes about
 * to be written), and one chunk is killed twice, as bad luck has it when a deploy or the OOM killer
 * hits twice in a row: a chunk that stalled twice is not a poison record and must not end RESCUED.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { createPlatform, type Platform } from '#test/platform';
import type { AppProcess } from '#test/process';
import { redisUrl } from '#test/redis';
import { expectExactlyOnce, recordJobEnds } from './exactly-once';
import { chunkGate, type ChunkGate } from './gates';
import { registryCsv, uploadRegistry, waitForEnd } from './imports';
import { killAndReplace, noticeDeadClients, stalledChunks } from './processes';

let platform: Platform;
let gate: ChunkGate;

// One chunk at a time per worker, so each kill stalls exactly one chunk; a short lock, so BullMQ
// hands a dead worker's chunk to another within seconds.
const workerEnv = { WORKER_CONCURRENCY: '1', WORKER_LOCK_DURATION_MS: '2000' };
const kills = 5;

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

describe('fault 1: a worker SIGKILLed five times during one import', () => {
  it('is replaced each time, and every line ends exactly once, none RESCUED', async () => {
    const { baseUrl, workers } = await platform.start({ workers: ['jabba-w1', 'jabba-w2'], workerEnv });
    const live = new Map<string, AppProcess>(workers.map((w, i) => [`jabba-w${i + 1}`, w]));
    // Five chunks of 1000: four are gated for the kills (the first killed twice), the fifth runs freely.
    const file = registryCsv({ records: 5000, badEvery: 100 });
    await gate.close([0, 1, 2, 3]);
    const jobId = await uploadRegistry(baseUrl, await (await platform.nhsClient('Kills')).token(['device_registry:write']), file.text);

    const starts: Promise<AppProcess>[] = [];
    const killsOf = new Map<number, number>();
    let twice: number | undefined;
    for (let kill = 1; kill <= kills; kill += 1) {
      const held = await gate.waitForHeld((h) => live.has(h.worker), `a live worker to hold a gated chunk (kill ${kill})`);
      const victim = live.get(held.worker)!;
      live.delete(held.worker);
      const name = `jabba-w${kill + 2}`;
      const { started } = await killAndReplace(platform, victim, name, workerEnv);
      starts.push(started.then((p) => (live.set(name, p), p)));
      killsOf.set(held.chunk, (killsOf.get(held.chunk) ?? 0) + 1);
      twice ??= held.chunk;
      // The chunk killed first stays gated for a second kill; every other one runs on its next delivery.
      if (held.chunk !== twice || killsOf.get(held.chunk) === 2) await gate.open([held.chunk]);
    }
    expect([...killsOf.values()].sort()).toEqual([1, 1, 1, 2]);
    await gate.open([0, 1, 2, 3]);
    await Promise.all(starts);

    await waitForEnd(platform.sql, jobId);
    await expectExactlyOnce(platform.sql, jobId, { records: file.records, badLines: file.badLines });
    const redis = new Redis(redisUrl);
    try {
      // Every kill left a chunk behind, and BullMQ handed each one back.
      expect(await stalledChunks(redis, platform.prefix)).toBe(kills);
    } finally {
      redis.disconnect();
    }
  });
});
