/** Encodes one row in PostgreSQL's COPY text format (tab-separated, `\N` for NULL). */
const specials = /[\\\t\n\r]/g;
const escapes: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

export function copyValue(value: string | number | boolean | null): string {
  if (value === null) return '\\N';
  return String(value).replace(specials, (c) => escapes[c]!);
}

export const copyRow = (values: (string | number | boolean | null)[]): string => `${values.map(copyValue).join('\t')}\n`;
