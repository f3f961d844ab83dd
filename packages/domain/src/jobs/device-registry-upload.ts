/**
 * Accepting a device registry CSV (SPEC §3): the api checks what only the whole file can tell (its
 * size, the header row, that there is a data line) and streams one task per data record into the
 * job with COPY; the workers check each record. Memory stays flat whatever the file's size: the
 * CSV is read once, as a stream, and never held whole.
 */
import type { Queue } from 'bullmq';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { JobWrite, TaskInput } from '../db/job-store';
import { DomainError } from '../model/errors';
import { CsvRecordSplitter, type RawRecord } from '../model/csv-records';
import { parseHeader } from '../model/csv-fields';
import { headerProblems } from '../model/device-record';
import { deviceRegistryJobType, deviceRegistryTaskName } from '../model/device-registry';
import { jobTypes } from './job-types';
import { submitJob } from './submit';

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

export const deviceRegistryJobName = 'Upload device definition registry';

const fieldLimits = { registerType: 255, reasonDescription: 2000 } as const;

/** The job's own fields: both required, within their lengths. Thrown as one 422 naming each. */
export function checkFields(fields: DeviceRegistryFields): { registerType: string; reasonDescription: string } {
  const inputErrors = (Object.keys(fieldLimits) as (keyof typeof fieldLimits)[]).flatMap((name) => {
    const value = fields[name]?.trim() ?? '';
    if (value === '') return [{ path: `$.${name}`, message: `${name} is required` }];
    if (value.length > fieldLimits[name]) return [{ path: `$.${name}`, message: `${name} is longer than ${fieldLimits[name]} characters` }];
    return [];
  });
  if (inputErrors.length > 0) throw new DomainError('UNPROCESSABLE_ENTITY', inputErrors.map((e) => e.message).join('; '), { inputErrors });
  return { registerType: fields.registerType!.trim(), reasonDescription: fields.reasonDescription!.trim() };
}

const csvProblem = (path: string, message: string): DomainError =>
  new DomainError('UNPROCESSABLE_ENTITY', message, { inputErrors: [{ path, message }] });

/** The upload as tasks: the header is checked and kept; every later record becomes a task. */
class RegistryFile {
  header: string | null = null;
  dataLines = 0;

  constructor(private readonly upload: DeviceRegistryUpload) {}

  async *tasks(): AsyncIterable<TaskInput> {
    const { csv, maxBytes, csvPath } = this.upload;
    const splitter = new CsvRecordSplitter();
    const decoder = new TextDecoder('utf-8', { fatal: true });
    let bytes = 0;
    const decode = (chunk: Uint8Array | string, stream: boolean): string => {
      if (typeof chunk === 'string') return chunk;
      try {
        return decoder.decode(chunk, { stream });
      } catch {
        throw csvProblem(csvPath, `The file is not UTF-8 text (after byte ${bytes - chunk.byteLength})`);
      }
    };
    for await (const chunk of csv) {
      bytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.byteLength;
      if (bytes > maxBytes) {
        throw new DomainError('PAYLOAD_TOO_LARGE', `The file is larger than the limit of ${maxBytes} bytes`);
      }
      yield* this.take(splitter.push(decode(chunk, true)));
    }
    yield* this.take(splitter.push(decode(new Uint8Array(0), false)));
    try {
      yield* this.take(splitter.end());
    } catch (error) {
      throw error instanceof DomainError ? csvProblem(csvPath, error.message) : error;
    }
    if (this.header === null) throw csvProblem(csvPath, 'The file is empty: it needs a header row and at least one data line');
    if (this.dataLines === 0) throw csvProblem(csvPath, 'The file has a header row but no data line');
  }

  private *take(records: RawRecord[]): Iterable<TaskInput> {
    for (const record of records) {
      if (this.header === null) {
        this.checkHeader(record);
        continue;
      }
      this.dataLines += 1;
      yield { name: deviceRegistryTaskName, meta: { csvDataLine: record.line }, input: record.text };
    }
  }

  private checkHeader(record: RawRecord): void {
    const parsed = parseHeader(record.text);
    const problems = parsed.ok ? headerProblems(parsed.fields) : [parsed.problem];
    if (problems.length > 0) throw csvProblem(this.upload.csvPath, `Line ${record.line}: ${problems.join('; ')}`);
    this.header = record.text;
  }
}

/**
 * Checks the header, streams one task per data record into the job (COPY), commits, then queues
 * the chunks. Throws DomainError UNPROCESSABLE_ENTITY (with `inputErrors`) for a bad header, no data
 * line, a missing field or a file that is not UTF-8, and PAYLOAD_TOO_LARGE past `maxBytes`; nothing
 * is stored then. With an idempotency key already used by the client, returns that job
 * (`created: false`) without reading the CSV.
 */
export async function submitDeviceRegistryUpload(em: EntityManager, queue: Queue, upload: DeviceRegistryUpload): Promise<JobWrite> {
  const file = new RegistryFile(upload);
  const { strategy, chunkSize } = jobTypes[deviceRegistryJobType];
  return submitJob(em, queue, {
    type: deviceRegistryJobType,
    name: deviceRegistryJobName,
    strategy,
    chunkSize,
    clientId: upload.clientId,
    userId: upload.userId,
    idempotencyKey: upload.idempotencyKey ?? null,
    tasks: file.tasks(),
    completeMeta: () => ({ ...checkFields(upload.fields()), csvHeader: file.header }),
  });
}
