/**
 * "Run an import and break something once it is part-way": the upload, a wait until some but not
 * all of its tasks are done, the fault, and the wait for the job's end. The helper also proves that
 * the fault hit the import in the middle (a fault that lands after the end proves nothing), so a
 * test that would pass for the wrong reason fails instead.
 */
import { expect } from 'vitest';
import type { Platform, PlatformClient } from '#test/platform';
import { waitFor } from '#test/wait-for';
import type { Sql } from './exactly-once';
import { registryCsv, uploadRegistry, waitForEnd, type RegistryFile } from './imports';

export interface Progress {
  /** Tasks no longer PENDING (their chunk committed). */
  done: number;
  total: number;
}

export const progressOf = async (sql: Sql, jobId: string): Promise<Progress> => {
  const [row] = await sql<{ done: string; total: string }>(
    `select count(*) filter (where status <> 'PENDING') as done, count(*) as total from tasks where job_id = ?`, [jobId]);
  return { done: Number(row?.done ?? 0), total: Number(row?.total ?? 0) };
};

/** Waits until at least one chunk has committed and at least `left` tasks have not. */
export async function whenPartWay(sql: Sql, jobId: string, left = 1000): Promise<Progress> {
  return waitFor(async () => {
    const progress = await progressOf(sql, jobId);
    if (progress.total > 0 && progress.total - progress.done < left) {
      throw new Error(`the import got to ${progress.done} of ${progress.total} before the fault: make it longer, or its workers slower`);
    }
    return progress.done > 0 ? progress : undefined;
  }, { timeout: 60_000, interval: 25, what: `job ${jobId} to be part-way` });
}

/**
 * Workers that take one chunk (1,000 tasks) at a time each: with two of them and a few thousand
 * lines, the import runs for several rounds, which is the window a fault lands in.
 */
export const slowWorkerEnv = { WORKER_CONCURRENCY: '1' };

export interface BrokenImport {
  jobId: string;
  /** The uploader's client, for tokens that may read the job. */
  client: PlatformClient;
  file: RegistryFile;
  /** How far the import was when the fault began. */
  before: Progress;
  /** How far it was when the fault had run: still unfinished, or the fault hit nothing. */
  after: Progress;
  /** The job's final status. */
  status: string;
}

export interface MidImportOptions {
  records?: number;
  badEvery?: number;
  /** Model numbers are `<tag>-<i>`, so each import of a database has its own devices. */
  tag: string;
  /** Tasks at least still PENDING when the fault begins. */
  left?: number;
  /** How long the import may take after the fault, recovery included. */
  timeout?: number;
}

/** Uploads a registry file, breaks something once it is part-way (`fault`), and waits for its end. */
export async function breakMidImport(
  platform: Platform,
  baseUrl: string,
  fault: (jobId: string, before: Progress) => Promise<void>,
  { records = 6000, badEvery = 97, tag, left = 1000, timeout = 90_000 }: MidImportOptions,
): Promise<BrokenImport> {
  const file = registryCsv({ records, badEvery, tag });
  const client = await platform.nhsClient(`Fault ${tag}`);
  const jobId = await uploadRegistry(baseUrl, await client.token(['device_registry:write']), file.text);
  const before = await whenPartWay(platform.sql, jobId, left);
  await fault(jobId, before);
  const after = await progressOf(platform.sql, jobId);
  expect(after.done, 'tasks done once the fault had run: fewer than all, or it hit no running import').toBeLessThan(after.total);
  const status = await waitForEnd(platform.sql, jobId, timeout);
  return { jobId, client, file, before, after, status };
}
