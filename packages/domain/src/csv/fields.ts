/**
 * Field parsing of raw CSV records (see csv-records.ts) with csv-parse. A worker parses a whole
 * chunk's records in one call, which costs a fraction of one call per record; only when that fails
 * (a malformed record somewhere in the chunk) does it parse them one by one to find the culprits.
 * The check of a header's column names lives here too, shared by every import that reads a CSV.
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
 * The fields of a strictly well-formed RFC 4180 record (quoted fields with doubled quotes, nothing
 * around the quotes); null for anything else, which csv-parse then parses or explains.
 */
function splitFields(text: string): string[] | null {
  const fields: string[] = [];
  let at = 0;
  for (;;) {
    if (text.charCodeAt(at) === 34 /* " */) {
      let value = '';
      let from = at + 1;
      for (;;) {
        const quote = text.indexOf('"', from);
        if (quote < 0) return null;
        if (text.charCodeAt(quote + 1) === 34) {
          value += text.slice(from, quote + 1);
          from = quote + 2;
          continue;
        }
        value += text.slice(from, quote);
        at = quote + 1;
        break;
      }
      fields.push(value);
      if (at === text.length) return fields;
      if (text.charCodeAt(at) !== 44 /* , */) return null;
      at += 1;
    } else {
      const comma = text.indexOf(',', at);
      const value = text.slice(at, comma < 0 ? text.length : comma);
      if (value.includes('"')) return null;
      fields.push(value);
      if (comma < 0) return fields;
      at = comma + 1;
    }
  }
}

/**
 * Parses records (each one complete, without its line terminator) into their fields, in order.
 * Well-formed records are split by hand, several times faster than a general parser (the worker's
 * hot path); the rest go through csv-parse together, which also explains what is wrong with them.
 */
export function parseRecords(texts: readonly string[]): ParsedRecord[] {
  const results: ParsedRecord[] = new Array<ParsedRecord>(texts.length);
  const odd: number[] = [];
  texts.forEach((text, i) => {
    const fields = text.includes('"') ? splitFields(text) : text.split(',');
    if (fields) results[i] = { ok: true, fields };
    else odd.push(i);
  });
  if (odd.length > 0) {
    const parsed = parseQuoted(odd.map((i) => texts[i]!));
    odd.forEach((at, k) => (results[at] = parsed[k]!));
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

export interface CsvCell {
  column: string;
  value: string;
}

/**
 * A record's fields named by the header's columns, in header order, each trimmed as the checks
 * read it; null for a record that is not valid CSV. Fields past the header's width are named `""`
 * (no header column has that name); a record short of the header's width has only the fields it has.
 */
export function recordCells(columns: readonly string[], text: string): CsvCell[] | null {
  const [parsed] = parseRecords([text]);
  if (!parsed?.ok) return null;
  return parsed.fields.map((value, i) => ({ column: columns[i] ?? '', value: value.trim() }));
}

/** The column names of a header row (already split off as one raw record). */
export function parseHeader(text: string): ParsedRecord {
  const parsed = parseOne(text);
  return parsed.ok ? { ok: true, fields: parsed.fields.map((f) => f.trim()) } : parsed;
}

/**
 * Problems of a header row's columns: missing mandatory, unknown and repeated ones, in that order;
 * empty when fine. Each import passes its own column set, so all of them word these alike.
 */
export function columnProblems(columns: readonly string[], isKnown: (c: string) => boolean, mandatory: readonly string[]): string[] {
  const problems: string[] = [];
  const missing = mandatory.filter((c) => !columns.includes(c));
  if (missing.length > 0) problems.push(`the header row lacks the mandatory columns ${missing.join(', ')}`);
  const unknown = columns.filter((c) => !isKnown(c));
  if (unknown.length > 0) problems.push(`the header row has unknown columns ${unknown.map((c) => JSON.stringify(c)).join(', ')}`);
  const repeated = [...new Set(columns.filter((c, i) => columns.indexOf(c) !== i))];
  if (repeated.length > 0) problems.push(`the header row repeats the columns ${repeated.join(', ')}`);
  return problems;
}
