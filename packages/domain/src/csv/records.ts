/**
 * Splits a CSV text stream into raw records without parsing their fields. An upload of a million
 * lines only needs the record boundaries, the line each record starts on and the untouched record
 * text (which the workers parse and the error report echoes back); scanning for `"` and `\n` is an
 * order of magnitude faster than a full parse, and it keeps every byte the user sent.
 *
 * RFC 4180: a line break inside double quotes belongs to the field. A `"` anywhere toggles the
 * quoted state, which is exact for valid CSV (an escaped `""` toggles twice); for invalid CSV the
 * record boundaries may differ from a strict parser's, and the worker's parse then fails that
 * record with an error naming its line.
 */
import { DomainError } from '../platform/errors';

export interface RawRecord {
  /** The record as sent, without its line terminator (a quoted field may hold CR/LF). */
  text: string;
  /** 1-based line of the file on which the record starts, as an editor numbers lines. */
  line: number;
}

export class CsvRecordSplitter {
  /**
   * `maxRecordBytes` bounds a record's UTF-8 size (its line terminator not counted). It is checked
   * as the record grows, not only once it ends: an unclosed quote would otherwise hold the rest of
   * the file, up to the upload limit, in one string.
   */
  constructor(private readonly maxRecordBytes = Number.POSITIVE_INFINITY) {}

  /** Text of the record in progress from earlier chunks. */
  private pending = '';
  private quoted = false;
  /** Line the scan is on; the next record starts on `recordLine`. */
  private line = 1;
  private recordLine = 1;
  private started = false;
  private readonly boundary = /["\n]/g;

  /** Feeds the next piece of text; returns the records it completed. */
  push(chunk: string): RawRecord[] {
    let text = chunk;
    if (!this.started && text.length > 0) {
      this.started = true;
      // A UTF-8 BOM is an encoding mark, not content.
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    const records: RawRecord[] = [];
    let start = 0;
    const boundary = this.boundary;
    boundary.lastIndex = 0;
    for (let match = boundary.exec(text); match !== null; match = boundary.exec(text)) {
      const at = match.index;
      if (text.charCodeAt(at) === 34 /* " */) {
        this.quoted = !this.quoted;
        continue;
      }
      this.line += 1;
      if (this.quoted) continue;
      const body = this.pending + text.slice(start, at);
      this.pending = '';
      start = at + 1;
      this.emit(body, records);
      this.recordLine = this.line;
    }
    this.pending += text.slice(start);
    // A UTF-16 unit is at least one UTF-8 byte: more units than bytes allowed is too long already.
    if (this.pending.length > this.maxRecordBytes) throw this.tooLong();
    return records;
  }

  /** Ends the stream; returns the last record if the text did not end with a line break. */
  end(): RawRecord[] {
    if (this.quoted) {
      throw new DomainError('UNPROCESSABLE_ENTITY', `Line ${this.recordLine}: a quoted field is not closed before the end of the file`);
    }
    const records: RawRecord[] = [];
    this.emit(this.pending, records);
    this.pending = '';
    return records;
  }

  private tooLong(): DomainError {
    return new DomainError('UNPROCESSABLE_ENTITY', `Line ${this.recordLine}: the record is longer than ${this.maxRecordBytes} bytes`);
  }

  private emit(body: string, into: RawRecord[]): void {
    const text = body.endsWith('\r') ? body.slice(0, -1) : body;
    // A unit is at most 3 bytes (a surrogate pair 4 for 2): only a long record needs counting.
    if (text.length * 3 > this.maxRecordBytes && Buffer.byteLength(text) > this.maxRecordBytes) throw this.tooLong();
    // Blank lines separate nothing in CSV; skipping them is what every spreadsheet does.
    if (text.length > 0) into.push({ text, line: this.recordLine });
  }
}
