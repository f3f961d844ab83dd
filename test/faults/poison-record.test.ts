/**
 * Fault 8 of issue 14: a poison record whose handler kills its worker (SIGKILL, through the
 * WORKER_TEST_CRASH_ON_MODEL hook). Each start of its chunk is counted in Postgres before it runs;
 * past CHUNK_MAX_ATTEMPTS the chunk is split, its halves likewise, until the record alone ends
 * RESCUED with a generic message and an error id. The test replaces every dead worker, as an
 * orchestrator would; the deaths stop, and the rest of the import ends exactly once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPlatform, type Platform } from '#test/platform';
import type { AppProcess } from '#test/process';
import { startPrivatePostgres, startPrivateRedis, type PrivatePostgres, type PrivateRedis } from '#test/private-services';
import { waitFor } from '#test/wait-for';
import { expectExactlyOnce, recordJobEnds } from './exactly-once';
import { jobStatus, registryCsv, uploadRegistry } from './imports';

let postgres: PrivatePostgres;
let redis: PrivateRedis;
let platform: Platform;
let supervising = true;

beforeAll(async () => {
  [postgres, redis] = await Promise.all([startPrivatePostgres(), startPrivateRedis()]);
  platform = await createPlatform({ poolSize: 2, services: { postgres, redisUrl: redis.url } });
  await recordJobEnds(platform.sql);
});

afterAll(async () => {
  supervising = false;
  await platform?.stop();
  await Promise.all([postgres?.stop(), redis?.stop()]);
});

// Small enough to be quick: every worker death costs a process start (15 s on a loaded machine).
// Chunks of 2 split once: the poison's chunk, then the record alone, each started maxAttempts times
// (apps/worker/test/engine/chunk-attempts.test.ts splits further in-process). Two attempts, so that
// each message stalls twice: past BullMQ's default stall limit, which must not fail it.
const chunkSize = 2;
const maxAttempts = 2;
const expectedDeaths = 2 * maxAttempts;

describe('a poison record that kills its worker', () => {
  it('ends RESCUED alone after its chunk is split, the deaths stop, and the rest of the import ends exactly once', async () => {
    const file = registryCsv({ records: 300, badEvery: 50, tag: 'P' });
    const poison = 100;
    const poisonLine = poison + 2;
    expect(file.badLines).not.toContain(poisonLine);
    const workerEnv = { WORKER_TEST_CRASH_ON_MODEL: `P-${poison}`, CHUNK_MAX_ATTEMPTS: String(maxAttempts), WORKER_LOCK_DURATION_MS: '1000' };
    const names = ['jabba-w1', 'jabba-w2'] as const;
    const { baseUrl, workers } = await platform.start({ workers: names, workerEnv, apiEnv: { IMPORT_CHUNK_SIZE: String(chunkSize) } });

    // The supervisor: every worker that dies is replaced by a new one of the same name.
    const deaths: { name: string; code: number | null; signal: string | null }[] = [];
    const supervisorErrors: unknown[] = [];
    const current = new Map<string, AppProcess>(names.map((name, i) => [name, workers[i]!]));
    const supervise = async (name: string): Promise<void> => {
      for (;;) {
        const [code, signal] = await current.get(name)!.exit;
        if (!supervising) return;
        deaths.push({ name, code, signal });
        current.set(name, await platform.startWorker(name, workerEnv));
      }
    };
    for (const name of names) void supervise(name).catch((error: unknown) => { if (supervising) supervisorErrors.push(error); });

    const client = await platform.nhsClient('Poison');
    const jobId = await uploadRegistry(baseUrl, await client.token(['device_registry:write']), file.text);
    // Until the job ends, or the workers die more often than the split allows (they would for ever).
    const outcome = await waitFor(async () => {
      if (deaths.length > expectedDeaths) return 'still dying';
      const status = await jobStatus(platform.sql, jobId);
      return status && status !== 'PENDING' ? 'ended' : undefined;
    }, { timeout: 100_000, interval: 100, what: `job ${jobId} to end` });
    expect(outcome, `${deaths.length} worker deaths`).toBe('ended');
    await expectExactlyOnce(platform.sql, jobId, { records: file.records, badLines: file.badLines, rescuedLines: [poisonLine] });

    const [rescued] = await platform.sql<{ error: { message: string; extensions: { code: string; errorId: string } } }>(
      `select error from tasks where job_id = ? and status = 'RESCUED'`, [jobId]);
    const { errorId } = rescued!.error.extensions;
    expect(rescued!.error).toEqual({
      message: `An unexpected error occurred; quote error id ${errorId} to your operator`,
      extensions: { code: 'INTERNAL_ERROR', errorId },
    });
    // The operator finds why under that id in the worker's log: the starts that never finished.
    const logged = platform.processes.flatMap((p) => p.output().split('\n')).filter((line) => line.includes(errorId));
    expect(logged).toHaveLength(1);
    expect(logged[0]).toContain(`tasks ${poison + 1}-${poison + 1} of job ${jobId} never finished in ${maxAttempts} attempt`);

    // Its chunk was split: its chunk-mate ran in a piece of its own and ended PROCESSED (checked
    // above). Chunks that were running beside its first start, in the worker it killed, were counted
    // too, and may have been split as well (harmlessly: their pieces ran alone and succeeded).
    const splits = platform.processes.flatMap((p) => p.output().split('\n')).filter((line) => line.includes('"msg":"chunk split after too many attempts"'));
    expect(splits.map((line) => (JSON.parse(line) as { pieces: string[] }).pieces)).toContainEqual([`${poison + 1}-${poison + 1}`, `${poison + 2}-${poison + 2}`]);

    // No chunk failed: BullMQ never failed one for stalling (each death stalls one), Postgres decided.
    const failures = platform.processes.flatMap((p) => p.output().split('\n')).filter((line) => line.includes('"msg":"chunk failed"'));
    expect(failures).toEqual([]);

    // Every death was the poison's, each start of its range died once, and then they stopped.
    expect(supervisorErrors).toEqual([]);
    expect(deaths.map((d) => d.signal)).toEqual(Array<string>(expectedDeaths).fill('SIGKILL'));
    for (const name of names) expect(current.get(name)!.child.exitCode, name).toBeNull();
    const [split] = await platform.sql<{ n: string }>(`select count(*) as n from chunk_attempts where job_id = ?`, [jobId]);
    expect(Number(split!.n), 'the ended job\'s counts are deleted').toBe(0);
  });
});
