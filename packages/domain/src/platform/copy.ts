/** Encodes one row in PostgreSQL's COPY text format (tab-separated, `\N` for NULL). */
const specials = /[\\\t\n\r]/g;
const anySpecial = /[\\\t\n\r]/;
const escapes: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

export function copyValue(value: string | number | boolean | null): string {
  if (value === null) return '\\N';
  const text = String(value);
  // Most values need no escaping; testing first skips building a copy of each.
  return anySpecial.test(text) ? text.replace(specials, (c) => escapes[c]!) : text;
}

export const copyRow = (values: (string | number | boolean | null)[]): string => `${values.map(copyValue).join('\t')}\n`;
