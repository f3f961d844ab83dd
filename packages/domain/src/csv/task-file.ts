/**
 * A CSV upload as a stream of tasks, shared by every import that takes a CSV file (the device
 * registry, manual merge candidates): the file is decoded and split into raw records as it arrives,
 * its header row is checked by the import's own rule, and every later record becomes one task
 * carrying the record as uploaded. Memory stays flat whatever the file's size: the CSV is read
 * once, as a stream, and never held whole.
 */
import type { NewTask } from '../engine';
import { DomainError, payloadTooLarge } from '../platform';
import { CsvRecordSplitter, type RawRecord } from './records';
import { parseHeader } from './fields';
import { withUploadSpool } from './upload-spool';

export interface CsvUpload {
  /** The CSV as it arrives, in bytes (UTF-8) or text; read once, as a stream. */
  csv: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>;
  /** Larger uploads are refused with PAYLOAD_TOO_LARGE. */
  maxBytes: number;
  /** More data records are refused with PAYLOAD_TOO_LARGE naming the first line over. */
  maxRecords: number;
  /** A longer record (in UTF-8 bytes) is refused with UNPROCESSABLE_ENTITY naming its line. */
  maxRecordBytes: number;
  /** How errors name the CSV input in `inputErrors[].path`, e.g. `$.csvData` (GraphQL) or `$.file`. */
  csvPath: string;
  /** Tasks per queue message of the job it makes (IMPORT_CHUNK_SIZE); the job type's own when unset. */
  chunkSize?: number | undefined;
}

/** What is wrong with the header's column names; empty when the import accepts them. */
export type HeaderProblems = (columns: readonly string[]) => string[];

/** A task of a CSV import: the line its record starts on, and the record as uploaded. */
export type CsvRecordTask = NewTask<{ csvDataLine: number }, string>;

/** The line's own problem, as a refusal of the whole file (`path` names the CSV input). */
const lineProblem = (code: 'UNPROCESSABLE_ENTITY' | 'PAYLOAD_TOO_LARGE', path: string, message: string): DomainError =>
  new DomainError(code, message, { inputErrors: [{ path, message }] });

export const csvProblem = (path: string, message: string): DomainError => lineProblem('UNPROCESSABLE_ENTITY', path, message);

/**
 * The bytes of an upload as raw records: counted against `maxBytes`, decoded as UTF-8 (fatal) and
 * split into records, each refusal naming the CSV input.
 */
class CsvRecordReader {
  private readonly splitter: CsvRecordSplitter;
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });
  private bytes = 0;

  constructor(private readonly upload: CsvUpload) {
    this.splitter = new CsvRecordSplitter(upload.maxRecordBytes);
  }

  push(chunk: Uint8Array | string): RawRecord[] {
    const size = typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.byteLength;
    this.bytes += size;
    if (this.bytes > this.upload.maxBytes) throw payloadTooLarge('file', this.upload.maxBytes);
    return this.split(() => this.splitter.push(this.decode(chunk, true, size)));
  }

  end(): RawRecord[] {
    const last = this.split(() => this.splitter.push(this.decode(new Uint8Array(0), false, 0)));
    return [...last, ...this.split(() => this.splitter.end())];
  }

  private decode(chunk: Uint8Array | string, stream: boolean, size: number): string {
    if (typeof chunk === 'string') return chunk;
    try {
      return this.decoder.decode(chunk, { stream });
    } catch {
      throw csvProblem(this.upload.csvPath, `The file is not UTF-8 text (after byte ${this.bytes - size})`);
    }
  }

  /** The splitter's refusals (an unclosed quote, a record too long) name the CSV input too. */
  private split(records: () => RawRecord[]): RawRecord[] {
    try {
      return records();
    } catch (error) {
      throw error instanceof DomainError ? csvProblem(this.upload.csvPath, error.message) : error;
    }
  }
}

/**
 * The upload as tasks: the header is checked and kept (`header`, the raw line without BOM or line
 * terminator, for the job's meta); every later record becomes a task with `meta.csvDataLine` (the
 * line it starts on) and `input` (its raw text). Iterating `tasks()` throws UNPROCESSABLE_ENTITY
 * (with `inputErrors`) for a bad header, no data line, text that is not UTF-8, a NUL byte or a
 * record longer than `maxRecordBytes`, and PAYLOAD_TOO_LARGE past `maxBytes` or `maxRecords`;
 * nothing is stored then.
 *
 * `receive` spools the upload to local disk first, and `tasks()` then reads the file: the job's
 * transaction reads the tasks (engine/job-create.ts), and must not wait on a client to do so.
 */
export class CsvTaskFile {
  private header: string | null = null;
  private source: CsvUpload['csv'];
  dataLines = 0;

  constructor(
    private readonly upload: CsvUpload,
    private readonly headerProblems: HeaderProblems,
  ) {
    this.source = upload.csv;
  }

  /** The header line, once `tasks()` has streamed (which throws for a file without one). */
  csvHeader(): string {
    if (this.header === null) throw new Error('the CSV streamed without a header row');
    return this.header;
  }

  /**
   * Receives the upload onto local disk, then runs `create` with its size; `tasks()` reads the
   * file from then on. The bytes meet every check of `tasks()` as they arrive, so a refusal comes
   * as soon as its cause has (past `maxBytes`, a bad header, an unclosed quote past
   * `maxRecordBytes`), before the job's transaction opens, and never after the rest of the file.
   * Checking costs the api about 0.7 s of CPU per million lines; reading the file again then
   * refuses nothing.
   */
  receive<R>(create: (bytes: number) => Promise<R>): Promise<R> {
    // The check keeps its own header and count: this file's are those of the pass into COPY.
    const check = new CsvTaskFile(this.upload, this.headerProblems);
    return withUploadSpool(check.checked(this.upload.csv), (spool) => {
      this.source = spool.read();
      return create(spool.bytes);
    });
  }

  async *tasks(): AsyncIterable<CsvRecordTask> {
    const reader = new CsvRecordReader(this.upload);
    for await (const chunk of this.source) yield* this.take(reader.push(chunk));
    yield* this.take(reader.end());
    this.refuseEmpty();
  }

  /** `source`, every chunk passed on once the checks of `tasks()` accept what it completes. */
  private async *checked(source: CsvUpload['csv']): AsyncIterable<Uint8Array | string> {
    const reader = new CsvRecordReader(this.upload);
    const check = (records: RawRecord[]): void => {
      for (const task of this.take(records)) void task;
    };
    for await (const chunk of source) {
      check(reader.push(chunk));
      yield chunk;
    }
    check(reader.end());
    this.refuseEmpty();
  }

  private refuseEmpty(): void {
    if (this.header === null) throw csvProblem(this.upload.csvPath, 'The file is empty: it needs a header row and at least one data line');
    if (this.dataLines === 0) throw csvProblem(this.upload.csvPath, 'The file has a header row but no data line');
  }

  private *take(records: RawRecord[]): Iterable<CsvRecordTask> {
    const { csvPath, maxRecords } = this.upload;
    for (const record of records) {
      // Postgres text cannot hold U+0000: COPY would fail the whole upload with an internal error.
      if (record.text.includes('\0')) throw csvProblem(csvPath, `Line ${record.line}: the record contains a NUL byte`);
      if (this.header === null) {
        this.header = this.checkedHeader(record);
        continue;
      }
      this.dataLines += 1;
      if (this.dataLines > maxRecords) {
        throw lineProblem('PAYLOAD_TOO_LARGE', csvPath, `Line ${record.line}: the file has more than ${maxRecords} records`);
      }
      yield { meta: { csvDataLine: record.line }, input: record.text };
    }
  }

  /** The header line, or the refusal naming what is wrong with it. */
  private checkedHeader(record: RawRecord): string {
    const parsed = parseHeader(record.text);
    const problems = parsed.ok ? this.headerProblems(parsed.fields) : [parsed.problem];
    if (problems.length > 0) throw csvProblem(this.upload.csvPath, `Line ${record.line}: ${problems.join('; ')}`);
    return record.text;
  }
}
