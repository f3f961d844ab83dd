/**
 * Writing CSV (RFC 4180) for files users download, fix and upload again (the error report of an
 * import): a field is quoted only when it must be, so plain values stay readable, and lines end
 * with CRLF as the RFC prescribes.
 */

export const csvLineEnd = '\r\n';

// CR and LF each need quoting on their own: a bare CR or LF inside an unquoted field would end
// the record for many parsers.
const needsQuotes = /[",\r\n]/;

/** One field, quoted (with its quotes doubled) when it holds `"`, `,`, CR or LF. */
export const csvField = (value: string): string => (needsQuotes.test(value) ? `"${value.replaceAll('"', '""')}"` : value);

/** Fields joined into one record, without its line terminator. */
export const csvLine = (fields: readonly string[]): string => fields.map(csvField).join(',');
