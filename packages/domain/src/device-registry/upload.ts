/**
 * Accepting a device registry CSV (SPEC §3): the api checks what only the whole file can tell (its
 * size, the header row, that there is a data line) and streams one task per data record into the
 * job with COPY (csv-upload.ts); the workers check each record.
 */
import type { Queue } from 'bullmq';
import type { EntityManager } from '@mikro-orm/postgresql';
import { CsvTaskFile, type CsvUpload } from '../csv';
import { type JobRecord, type JobWrite, submit } from '../engine';
import { DomainError } from '../platform';
import { deviceRegistryJob } from './job';
import { headerProblems } from './record-rules';

export interface DeviceRegistryFields {
  registerType?: string | null;
  reasonDescription?: string | null;
}

export interface DeviceRegistryUpload extends CsvUpload {
  /** Read after the CSV has streamed (multipart fields may follow the file); both are required. */
  fields: () => DeviceRegistryFields;
  clientId: string;
  userId: string;
  idempotencyKey?: string | null;
  /** Check every record as an import would, create nothing (see job.ts). */
  dryRun?: boolean;
}

const fieldLimits = { registerType: 255, reasonDescription: 2000 } as const;

/**
 * The job's own fields: both required, within their lengths, without NUL (which Postgres text
 * cannot hold). Thrown as one 422 naming each.
 */
export function checkFields(fields: DeviceRegistryFields): { registerType: string; reasonDescription: string } {
  const inputErrors = (Object.keys(fieldLimits) as (keyof typeof fieldLimits)[]).flatMap((name) => {
    const value = fields[name]?.trim() ?? '';
    if (value === '') return [{ path: `$.${name}`, message: `${name} is required` }];
    if (value.includes('\0')) return [{ path: `$.${name}`, message: `${name} contains a NUL byte` }];
    if (value.length > fieldLimits[name]) return [{ path: `$.${name}`, message: `${name} is longer than ${fieldLimits[name]} characters` }];
    return [];
  });
  if (inputErrors.length > 0) throw new DomainError('UNPROCESSABLE_ENTITY', inputErrors.map((e) => e.message).join('; '), { inputErrors });
  return { registerType: fields.registerType!.trim(), reasonDescription: fields.reasonDescription!.trim() };
}

/**
 * A key answers only the request it was made for: a dry run must not stand in for the import it
 * was checking (the user would believe the devices exist), nor an import for a dry run.
 */
const sameDryRun = (dryRun: boolean) => (job: JobRecord): void => {
  const madeDry = job.meta?.dryRun === true;
  if (madeDry === dryRun) return;
  throw new DomainError('CONFLICT', madeDry
    ? 'The idempotency key was already used for a dry run (dryRun true)'
    : 'The idempotency key was already used for a real import (dryRun false)');
};

/**
 * Checks the header, streams one task per data record into the job (COPY), commits, then queues
 * the chunks. Throws DomainError UNPROCESSABLE_ENTITY (with `inputErrors`) for a bad header, no data
 * line, a missing field or a file that is not UTF-8, and PAYLOAD_TOO_LARGE past `maxBytes`; nothing
 * is stored then. With an idempotency key already used by the client, returns that job
 * (`created: false`) without reading the CSV, or a CONFLICT if that job's `dryRun` differs.
 */
export async function submitDeviceRegistryUpload(em: EntityManager, queue: Queue, upload: DeviceRegistryUpload): Promise<JobWrite> {
  const file = new CsvTaskFile(upload, headerProblems);
  const dryRun = upload.dryRun ?? false;
  return submit(em, queue, deviceRegistryJob, {
    clientId: upload.clientId,
    userId: upload.userId,
    idempotencyKey: upload.idempotencyKey ?? null,
    chunkSize: upload.chunkSize,
    tasks: file.tasks(),
    receive: (create) => file.receive(create),
    meta: () => ({ ...checkFields(upload.fields()), csvHeader: file.csvHeader(), dryRun }),
    checkReplay: sameDryRun(dryRun),
  });
}
