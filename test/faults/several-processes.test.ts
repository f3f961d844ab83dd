/**
 * Fault 13 (issue 14): two api processes and four workers on one Postgres and one Redis prefix, as
 * when Jabba is scaled out. Each api takes an upload; then one api is SIGKILLed in the middle of
 * receiving a third upload and one worker in the middle of a chunk, both while the first two
 * imports run. The third upload's client retries it on the other api with the same Idempotency-Key
 * and gets a new job (the killed upload left none); the dead worker's chunk is rolled back and
 * redelivered; and every line of every job ends exactly once.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPlatform, type Platform } from '#test/platform';
import type { AppProcess } from '#test/process';
import { waitFor } from '#test/wait-for';
import { expectExactlyOnce, recordJobEnds } from './exactly-once';
import { jobStatus, registryCsv, uploadRegistry, waitForEnd } from './imports';

let platform: Platform;
/** The second api's TMPDIR, where it spools an upload as it arrives (csv/upload-spool.ts). */
let spoolDir: string;

beforeAll(async () => {
  spoolDir = await mkdtemp(path.join(tmpdir(), 'jabba-spool-'));
  platform = await createPlatform({ poolSize: 2 });
  await recordJobEnds(platform.sql);
});

afterAll(async () => {
  await platform?.stop();
  await rm(spoolDir, { recursive: true, force: true });
});

const workers = ['jabba-w1', 'jabba-w2', 'jabba-w3', 'jabba-w4'] as const;
// One chunk at a time per worker, so the imports run in rounds; a short lock, so the dead worker's
// chunk is redelivered within seconds.
const workerEnv = { WORKER_CONCURRENCY: '1', WORKER_LOCK_DURATION_MS: '3000' };

const uploadPath = '/v1/device-registry-jobs?registerType=MEDICAL_DEVICE&reasonDescription=Fault%20test';

/** Sends the first half of `csv` and then nothing more: the api waits for the rest until it dies. */
function halfUpload(baseUrl: string, token: string, csv: string, idempotencyKey: string): Promise<Response> {
  const body = new ReadableStream<Uint8Array>({
    start(controller) { controller.enqueue(new TextEncoder().encode(csv.slice(0, csv.length / 2))); },
  });
  return fetch(`${baseUrl}${uploadPath}`, {
    method: 'POST',
    headers: { 'Content-Type': 'text/csv', Authorization: `Bearer ${token}`, 'Idempotency-Key': idempotencyKey },
    body,
    duplex: 'half',
  } as RequestInit);
}

const sessions = async (application: string, condition: string): Promise<number> => {
  const [row] = await platform.sql<{ n: string }>(
    `select count(*) as n from pg_stat_activity where datname = current_database() and application_name = ? and ${condition}`, [application]);
  return Number(row!.n);
};

const sigkill = async (process: AppProcess): Promise<void> => {
  const exited = process.exit;
  process.child.kill('SIGKILL');
  await exited;
};

describe('two apis and four workers, one api and one worker killed', () => {
  it('end every line of every job exactly once', async () => {
    const [first, second] = await Promise.all([
      platform.start({ workers, workerEnv, apiEnv: { PGAPPNAME: 'jabba-api-1' } }),
      platform.startApi({ PGAPPNAME: 'jabba-api-2', TMPDIR: spoolDir }),
    ]);
    const client = await platform.nhsClient('Scaled out');
    const token = await client.token(['device_registry:write']);
    const files = {
      a: registryCsv({ records: 6000, badEvery: 100, tag: 'A' }),
      b: registryCsv({ records: 6000, badEvery: 97, tag: 'B' }),
      c: registryCsv({ records: 3000, badEvery: 89, tag: 'C' }),
    };
    const [jobA, jobB] = await Promise.all([
      uploadRegistry(first.baseUrl, token, files.a.text),
      uploadRegistry(second.baseUrl, token, files.b.text),
    ]);

    const keyC = randomUUID();
    const cOnSecond = halfUpload(second.baseUrl, token, files.c.text, keyC).then(
      (response) => `answered ${response.status}`, (error: unknown) => `failed: ${String(error)}`);
    // The second api spooling C as it arrives, and a worker inside a chunk it has written to.
    const victim = await waitFor(async () => {
      if ((await readdir(spoolDir)).length === 0) return undefined;
      for (const [i, name] of workers.entries()) {
        if ((await sessions(name, 'backend_xid is not null')) > 0) return first.workers[i];
      }
      return undefined;
    }, { timeout: 60_000, interval: 20, what: 'the second api to be receiving C and a worker in a chunk' });
    await Promise.all([sigkill(second.api), sigkill(victim)]);
    expect([await jobStatus(platform.sql, jobA), await jobStatus(platform.sql, jobB)], 'both imports are under way').toEqual(['PENDING', 'PENDING']);
    expect(await cOnSecond).toMatch(/^failed/);

    // The client retries C on the api left; the killed upload made no job, so this one is new.
    const jobC = await uploadRegistry(first.baseUrl, token, files.c.text, { 'Idempotency-Key': keyC });
    expect(await platform.sql('select id from jobs where idempotency_key = ?', [keyC])).toEqual([{ id: jobC }]);

    for (const [jobId, file] of [[jobA, files.a], [jobB, files.b], [jobC, files.c]] as const) {
      await waitForEnd(platform.sql, jobId);
      await expectExactlyOnce(platform.sql, jobId, { records: file.records, badLines: file.badLines });
    }
    expect(await platform.sql<{ n: string }>('select count(*)::int as n from jobs'), 'no other job').toEqual([{ n: 3 }]);
  });
});
