/**
 * Field parsing of raw CSV records (see csv-records.ts) with csv-parse. A worker parses a whole
 * chunk's records in one call, which costs a fraction of one call per record; only when that fails
 * (a malformed record somewhere in the chunk) does it parse them one by one to find the culprits.
 */
import { parse } from 'csv-parse/sync';

export type ParsedRecord = { ok: true; fields: string[] } | { ok: false; problem: string };

// trim: whitespace around a field (` "b" `) is layout, not content; quoted content is kept as is.
const options = { relax_column_count: true, record_delimiter: '\n', skip_empty_lines: false, trim: true } as const;

// csv-parse's messages speak of its own line numbers, which mean nothing to the user here.
const problems: Record<string, string> = {
  INVALID_OPENING_QUOTE: 'a field has a quote inside it; quote the whole field and double the quotes within',
  CSV_INVALID_CLOSING_QUOTE: 'a quoted field has characters after its closing quote',
  CSV_QUOTE_NOT_CLOSED: 'a quoted field is not closed',
};

function problemOf(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && problems[code]) return problems[code];
  return `the record is not valid CSV (${error instanceof Error ? error.message : String(error)})`;
}

function parseOne(text: string): ParsedRecord {
  try {
    const [fields, ...rest] = parse(text, options) as string[][];
    if (!fields || rest.length > 0) return { ok: false, problem: 'the record is not one CSV record' };
    return { ok: true, fields };
  } catch (error) {
    return { ok: false, problem: problemOf(error) };
  }
}

/**
 * Parses records (each one complete, without its line terminator) into their fields, in order. A
 * record without a quote is exactly its text split on commas (the common case, and several times
 * faster than a parser); the others go through csv-parse together.
 */
export function parseRecords(texts: readonly string[]): ParsedRecord[] {
  const results: ParsedRecord[] = new Array<ParsedRecord>(texts.length);
  const quoted: number[] = [];
  texts.forEach((text, i) => {
    if (text.includes('"')) quoted.push(i);
    else results[i] = { ok: true, fields: text.split(',') };
  });
  if (quoted.length > 0) {
    const parsed = parseQuoted(quoted.map((i) => texts[i]!));
    quoted.forEach((at, k) => (results[at] = parsed[k]!));
  }
  return results;
}

function parseQuoted(texts: readonly string[]): ParsedRecord[] {
  try {
    const rows = parse(texts.join('\n'), options) as string[][];
    if (rows.length === texts.length) return rows.map((fields) => ({ ok: true, fields }));
  } catch {
    // Some record is malformed: find out which, below.
  }
  return texts.map(parseOne);
}

/** The column names of a header row (already split off as one raw record). */
export function parseHeader(text: string): ParsedRecord {
  const parsed = parseOne(text);
  return parsed.ok ? { ok: true, fields: parsed.fields.map((f) => f.trim()) } : parsed;
}
