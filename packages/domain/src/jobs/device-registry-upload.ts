/**
 * Accepting a device registry CSV: TODO(issue 3) — being written; the signature is the contract.
 */
import type { Queue } from 'bullmq';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { JobWrite } from '../db/job-store';

export interface DeviceRegistryFields {
  registerType?: string | null;
  reasonDescription?: string | null;
}

export interface DeviceRegistryUpload {
  /** The CSV as it arrives, in bytes (UTF-8) or text; read once, as a stream. */
  csv: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>;
  /** Read after the CSV has streamed (multipart fields may follow the file); both are required. */
  fields: () => DeviceRegistryFields;
  clientId: string;
  userId: string;
  idempotencyKey?: string | null;
  /** Larger uploads are refused with PAYLOAD_TOO_LARGE. */
  maxBytes: number;
  /** How errors name the CSV input in `inputErrors[].path`, e.g. `$.csvData` (GraphQL) or `$.file`. */
  csvPath: string;
}

/**
 * Checks the header, streams one task per data record into the job (COPY), commits, then queues
 * the chunks. Throws DomainError UNPROCESSABLE_ENTITY (with `inputErrors`) for a bad header, no data
 * line, a missing field or a file that is not UTF-8, and PAYLOAD_TOO_LARGE past `maxBytes`; nothing
 * is stored then. With an idempotency key already used by the client, returns that job
 * (`created: false`) without reading the CSV.
 */
export async function submitDeviceRegistryUpload(em: EntityManager, queue: Queue, upload: DeviceRegistryUpload): Promise<JobWrite> {
  void em;
  void queue;
  void upload;
  throw new Error('not implemented yet');
}
