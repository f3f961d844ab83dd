/**
 * The commands that talk only to the api over HTTP: `upload` a device registry CSV and follow it,
 * `wait` for a job, `errors` of a job. Each answers its exit code: 0 PROCESSED, 2 FAILED.
 */
import { createWriteStream } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ApiClient, type ErrorsForm, type JobSnapshot } from './api-client';
import { firstErrors } from './errors-csv-head';
import { duration, ProgressBars } from './progress-bars';

export interface ApiTarget {
  api: string;
  token: string;
}

/** How many failed records `upload` prints; the rest are in the errors file. */
const shownErrors = 5;

export const exitCodeOf = (job: JobSnapshot): number => (job.status === 'PROCESSED' ? 0 : 2);

function summary(job: JobSnapshot): string {
  const p = job.progress;
  const seconds = job.endedAt ? (Date.parse(job.endedAt) - Date.parse(job.startedAt)) / 1000 : undefined;
  return [
    `Job ${job.databaseId} ${job.status}${seconds === undefined ? '' : ` in ${duration(seconds)}`}`,
    `  ${p.total} lines: ${p.processed} processed, ${p.failed} failed${p.aborted ? `, ${p.aborted} aborted` : ''}`,
  ].join('\n');
}

/** `devices.csv` → `devices.errors.csv`, beside it. */
export const errorsFileFor = (file: string): string => {
  const { dir, name, ext } = path.parse(file);
  return path.join(dir, `${name}${ext.toLowerCase() === '.csv' ? '' : ext}.errors.csv`);
};

export async function upload(target: ApiTarget, args: { file: string; registerType: string; reason: string; idempotencyKey?: string; dryRun?: boolean }): Promise<number> {
  const client = new ApiClient(target.api, target.token);
  const bars = new ProgressBars(process.stdout);
  const { job: created, reused } = await client.upload(args.file, args, (sent, size) => bars.bytes(sent, size));
  const job = await client.watch(created.databaseId, (snapshot) => {
    bars.lineCount(snapshot.progress.total - snapshot.progress.pending, snapshot.progress.total);
  });
  bars.finish();
  if (reused) process.stdout.write(`The idempotency key names job ${job.databaseId}, created before: not uploaded again.\n`);
  process.stdout.write(`${summary(job)}\n`);
  if (args.dryRun) process.stdout.write('Dry run: every record was checked, no device was created.\n');
  if (job.progress.failed > 0) {
    const errorsFile = errorsFileFor(args.file);
    await pipeline(await client.errorsCsv(job.databaseId), createWriteStream(errorsFile));
    const first = await firstErrors(errorsFile, shownErrors);
    process.stdout.write(`Failed records written to ${errorsFile}${job.progress.failed > first.length ? `; the first ${first.length}` : ''}:\n${first.map((e) => `  ${e}\n`).join('')}`);
  }
  return exitCodeOf(job);
}

export async function wait(target: ApiTarget, args: { job: string }): Promise<number> {
  const client = new ApiClient(target.api, target.token);
  const job = await client.watch(args.job, () => undefined);
  process.stdout.write(`${summary(job)}\n`);
  return exitCodeOf(job);
}

export async function errors(target: ApiTarget, args: { job: string; form: ErrorsForm }): Promise<number> {
  const client = new ApiClient(target.api, target.token);
  await pipeline(await client.errorsCsv(args.job, args.form), process.stdout);
  return 0;
}
