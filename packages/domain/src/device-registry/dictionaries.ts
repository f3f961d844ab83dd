/**
 * The dictionaries (SPEC §3) as an in-memory lookup. An import checks several codes on each of
 * thousands of lines per chunk, so it loads the dictionaries it needs once, in one query, instead
 * of asking the database per value.
 */
import type { Dictionaries } from './record-rules';
import type { DictionaryName } from './column-rules';
import type { Sql } from '../platform';

/** Loads the active codes of `names`; asking afterwards about a dictionary not loaded is a bug and throws. */
export async function loadDictionaries(sql: Sql, names: readonly DictionaryName[]): Promise<Dictionaries> {
  const codes = new Map<DictionaryName, Set<string>>(names.map((name) => [name, new Set<string>()]));
  const rows = await sql.query<{ name: DictionaryName; code: string }>(
    `select name, code from dictionaries where is_active and name = any($1::text[])`,
    [[...names]],
  );
  for (const row of rows) codes.get(row.name)?.add(row.code);
  return {
    has(name, code) {
      const dictionary = codes.get(name);
      if (!dictionary) throw new Error(`dictionary ${name} was not loaded`);
      return dictionary.has(code);
    },
  };
}
