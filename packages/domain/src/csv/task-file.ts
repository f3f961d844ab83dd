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
 * The upload as tasks: the header is checked and kept (`header`, the raw line without BOM or line
 * terminator, for the job's meta); every later record becomes a task with `meta.csvDataLine` (the
 * line it starts on) and `input` (its raw text). Iterating `tasks()` throws UNPROCESSABLE_ENTITY
 * (with `inputErrors`) for a bad header, no data line, text that is not UTF-8, a NUL byte or a
 * record longer than `maxRecordBytes`, and PAYLOAD_TOO_LARGE past `maxBytes` or `maxRecords`;
 * nothing is stored then.
 */
export class CsvTaskFile {
  private header: string | null = null;
  dataLines = 0;

  constructor(
    private readonly upload: CsvUpload,
    private readonly headerProblems: HeaderProblems,
  ) {}

  /** The header line, once `tasks()` has streamed (which throws for a file without one). */
  csvHeader(): string {
    if (this.header === null) throw new Error('the CSV streamed without a header row');
    return this.header;
  }

  async *tasks(): AsyncIterable<CsvRecordTask> {
    const { csv, maxBytes, maxRecordBytes, csvPath } = this.upload;
    const splitter = new CsvRecordSplitter(maxRecordBytes);
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
        throw payloadTooLarge('file', maxBytes);
      }
      yield* this.take(this.split(() => splitter.push(decode(chunk, true))));
    }
    yield* this.take(this.split(() => splitter.push(decode(new Uint8Array(0), false))));
    yield* this.take(this.split(() => splitter.end()));
    if (this.header === null) throw csvProblem(csvPath, 'The file is empty: it needs a header row and at least one data line');
    if (this.dataLines === 0) throw csvProblem(csvPath, 'The file has a header row but no data line');
  }

  /** The splitter's refusals (an unclosed quote, a record too long) name the CSV input too. */
  private split(records: () => RawRecord[]): RawRecord[] {
    try {
      return records();
    } catch (error) {
      throw error instanceof DomainError ? csvProblem(this.upload.csvPath, error.message) : error;
    }
  }

  private *take(records: RawRecord[]): Iterable<CsvRecordTask> {
    const { csvPath, maxRecords } = this.upload;
    for (const record of records) {
      // Postgres text cannot hold U+0000: COPY would fail the whole upload with an internal error.
      if (record.text.includes('\0')) throw csvProblem(csvPath, `Line ${record.line}: the record contains a NUL byte`);
      if (this.header === null) {
        this.checkHeader(record);
        continue;
      }
      this.dataLines += 1;
      if (this.dataLines > maxRecords) {
        throw lineProblem('PAYLOAD_TOO_LARGE', csvPath, `Line ${record.line}: the file has more than ${maxRecords} records`);
      }
      yield { meta: { csvDataLine: record.line }, input: record.text };
    }
  }

  private checkHeader(record: RawRecord): void {
    const parsed = parseHeader(record.text);
    const problems = parsed.ok ? this.headerProblems(parsed.fields) : [parsed.problem];
    if (problems.length > 0) throw csvProblem(this.upload.csvPath, `Line ${record.line}: ${problems.join('; ')}`);
    this.header = record.text;
  }
}
