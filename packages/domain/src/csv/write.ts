/**
 * Writing CSV (RFC 4180) for files users download, fix and upload again (the error report of an
 * import): a field is quoted only when it must be, so plain values stay readable, and lines end
 * with CRLF as the RFC prescribes.
 */
import { parseRecords } from './fields';

export const csvLineEnd = '\r\n';

// CR and LF each need quoting on their own: a bare CR or LF inside an unquoted field would end
// the record for many parsers.
const needsQuotes = /[",\r\n]/;

/** One field, quoted (with its quotes doubled) when it holds `"`, `,`, CR or LF. */
export const csvField = (value: string): string => (needsQuotes.test(value) ? `"${value.replaceAll('"', '""')}"` : value);

/** Fields joined into one record, without its line terminator. */
export const csvLine = (fields: readonly string[]): string => fields.map(csvField).join(',');

/** How a cell that a spreadsheet would run as a formula begins (OWASP "CSV injection"). */
const formulaStart = /^[=+\-@\t\r]/;
const formulaCharacter = /[=+\-@\t\r]/;

/** A cell made inert for spreadsheets: a leading `'` makes a formula plain text. */
export const inertCell = (value: string): string => (formulaStart.test(value) ? `'${value}` : value);

/**
 * A record as uploaded, made safe to open in a spreadsheet: byte for byte the same when none of its
 * cells could run as a formula, else written again with those cells neutralised. A record that does
 * not parse becomes one neutralised cell, so nothing in it can reach a formula either.
 */
export function inertRecord(text: string): string {
  // Most records hold none of these characters at all: no parse for them.
  if (!formulaCharacter.test(text)) return text;
  const [parsed] = parseRecords([text]);
  if (!parsed?.ok) return csvField(`'${text}`);
  return parsed.fields.some((field) => formulaStart.test(field)) ? csvLine(parsed.fields.map(inertCell)) : text;
}
