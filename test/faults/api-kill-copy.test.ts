/**
 * Fault 6 of issue 14: the api SIGKILLed in the middle of an upload's COPY. The job row and the
 * tasks are written in one transaction, so the kill leaves neither; the client, which never got an
 * answer, retries with the same Idempotency-Key on a restarted api, and that makes exactly one job,
 * which ends exactly once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPlatform, type Platform } from '#test/platform';
import { expectExactlyOnce, recordJobEnds } from './exactly-once';
import { copyGate } from './gates';
import { registryCsv, uploadRegistry, waitForEnd } from './imports';
import { noticeDeadClients, sigkill, waitForBackendsGone } from './processes';

let platform: Platform;

beforeAll(async () => {
  platform = await createPlatform({ poolSize: 2 });
  await noticeDeadClients(platform.sql);
  await recordJobEnds(platform.sql);
});

afterAll(() => platform?.stop());

const count = async (table: 'jobs' | 'tasks'): Promise<number> =>
  Number((await platform.sql<{ n: string }>(`select count(*) as n from ${table}`))[0]!.n);

describe('fault 6: the api SIGKILLed in the middle of an upload\'s COPY', () => {
  it('leaves no job and no task; a retry with the same Idempotency-Key makes exactly one job', async () => {
    const apiEnv = { PGAPPNAME: 'jabba-api' };
    const { baseUrl, api } = await platform.start({ workers: ['jabba-w1', 'jabba-w2'], apiEnv });
    const file = registryCsv({ records: 3000, badEvery: 100 });
    const token = await (await platform.nhsClient('Kill during COPY')).token(['device_registry:write']);
    const headers = { 'Idempotency-Key': 'fault-6-upload' };

    // The COPY stops at task 1500: the job row is inserted and 1499 tasks are copied, uncommitted.
    const gate = await copyGate(platform.db.url, 1500);
    try {
      const upload = uploadRegistry(baseUrl, token, file.text, headers);
      upload.catch(() => undefined); // its answer never comes: the api dies
      const copying = await gate.waitForHeld();
      expect(copying).toMatchObject({ applicationName: 'jabba-api', tuples: 1499 });
      await sigkill(api);
      await expect(upload).rejects.toThrow('fetch failed');
      // The COPY goes on with what the api had sent, then meets the end of the connection where its
      // next data or its COMMIT should be, and rolls back, the job row with it. (While the COPY
      // waits, the dead client's FIN queues behind its unread data: Postgres sees it only by reading.)
      await gate.open();
      await waitForBackendsGone(platform.sql, 'jabba-api');
      expect({ jobs: await count('jobs'), tasks: await count('tasks') }).toEqual({ jobs: 0, tasks: 0 });
    } finally {
      await gate.remove();
    }

    const restarted = await platform.startApi(apiEnv);
    const jobId = await uploadRegistry(restarted.baseUrl, token, file.text, headers);
    // A second retry is answered with the same job, and makes none.
    const replay = await fetch(`${restarted.baseUrl}/v1/device-registry-jobs?registerType=MEDICAL_DEVICE&reasonDescription=Fault%20test`, {
      method: 'POST', headers: { 'Content-Type': 'text/csv', Authorization: `Bearer ${token}`, ...headers }, body: file.text,
    });
    expect({ status: replay.status, databaseId: ((await replay.json()) as { databaseId: string }).databaseId }).toEqual({ status: 200, databaseId: jobId });
    expect(await count('jobs')).toBe(1);

    await waitForEnd(platform.sql, jobId);
    await expectExactlyOnce(platform.sql, jobId, { records: file.records, badLines: file.badLines });
  });
});
