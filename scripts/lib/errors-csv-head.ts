/**
 * The first records of an errors.csv, for `upload` to print: `csv_data_line,error_code,error_message`
 * lead each record. Reads at most `maxBytes` of the file, so a huge errors file costs nothing more.
 */
import { open } from 'node:fs/promises';

const maxBytes = 64 * 1024;

/** Splits CSV text into records of fields (RFC 4180 quoting); a cut-off last record is dropped. */
function records(text: string): string[][] {
  const out: string[][] = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      fields.push(field);
      field = '';
    }
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      fields.push(field);
      out.push(fields);
      fields = [];
      field = '';
    } else field += c;
  }
  return out;
}

/** `line N: message` for the first `n` failed records of the errors file at `file`. */
export async function firstErrors(file: string, n: number): Promise<string[]> {
  const handle = await open(file);
  try {
    const buffer = Buffer.alloc(maxBytes);
    const { bytesRead } = await handle.read(buffer, 0, maxBytes, 0);
    const [, ...rows] = records(buffer.subarray(0, bytesRead).toString('utf8'));
    return rows.slice(0, n).map(([line, , message]) => `line ${line ?? '?'}: ${(message ?? '').replace(/^Line \d+: /, '')}`);
  } finally {
    await handle.close();
  }
}
