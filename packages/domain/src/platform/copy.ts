/** Encodes rows in PostgreSQL's COPY text format (tab-separated, `\N` for NULL). */
const specials = /[\\\t\n\r]/g;
const anySpecial = /[\\\t\n\r]/;
const escapes: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

export type CopyValue = string | number | boolean | null;

export function copyValue(value: CopyValue): string {
  if (value === null) return '\\N';
  const text = String(value);
  // Most values need no escaping; testing first skips building a copy of each.
  return anySpecial.test(text) ? text.replace(specials, (c) => escapes[c]!) : text;
}

export const copyRow = (values: CopyValue[]): string => `${values.map(copyValue).join('\t')}\n`;

/** A flushed COPY buffer: about this many bytes, so each write to Postgres is large enough to be cheap. */
const flushBytes = 1 << 16;

/**
 * COPY text gathered as UTF-8 bytes, a row at a time. Encoding each row as it is made measured
 * five times faster than joining the rows into one string and encoding that: one non-ASCII
 * character makes V8 keep the whole joined string at two bytes a character, and encoding it walks
 * every one of them (1,000,000 task rows: 0.5-0.7 s against 2.4-3.7 s).
 */
export class CopyBuffer {
  private bytes = Buffer.alloc(0);
  private length = 0;

  add(values: CopyValue[]): void {
    const row = copyRow(values);
    // A UTF-16 unit is at most 3 UTF-8 bytes.
    const room = this.length + row.length * 3;
    if (room > this.bytes.length) {
      const larger = Buffer.allocUnsafe(Math.max(room, this.bytes.length * 2, flushBytes * 2));
      this.bytes.copy(larger, 0, 0, this.length);
      this.bytes = larger;
    }
    this.length += this.bytes.write(row, this.length);
  }

  /** Whether enough has gathered to hand to COPY. */
  get full(): boolean {
    return this.length >= flushBytes;
  }

  get empty(): boolean {
    return this.length === 0;
  }

  /** What has gathered, as one buffer; the next rows go to a new one, allocated by the first of them. */
  take(): Buffer {
    const taken = this.bytes.subarray(0, this.length);
    this.bytes = Buffer.alloc(0);
    this.length = 0;
    return taken;
  }
}
