/**
 * The problems an import finds in one record, one per problem, as a failed task's
 * `extensions.fields`: which column, the value it holds, a stable rule code a console translates,
 * and the problem's own words from the task's message. Pure; shared by every import (the device
 * registry, the merge candidates), so one list of codes covers them all. A code, once published,
 * keeps its meaning: consoles and reports key on it.
 */

/** Every rule code an import's field problem may carry. */
export const fieldRules = [
  'required',
  'required_with_value',
  'max_length',
  'positive_integer',
  'boolean',
  'uuid',
  'date',
  'string',
  'not_in_dictionary',
  'list_length_mismatch',
  'list_value_empty',
  'property_value_count',
  'typed_value',
  'reference_not_found',
  'distinct_persons',
  'field_count',
  'malformed_csv',
  'malformed_json',
  'not_object',
] as const;
export type FieldRule = (typeof fieldRules)[number];

/** What each code means, in the words of the README's table (a test keeps the two in step). */
export const fieldRuleMeanings: Readonly<Record<FieldRule, string>> = {
  required: 'a mandatory value is empty (a list column with no value at all counts as empty)',
  required_with_value: '`properties.type` is empty although a property value is given',
  max_length: 'the value, or one value of a list column, is longer than the column allows',
  positive_integer: 'not a whole number from 1 to 2147483647',
  boolean: 'not `true` or `false` (any case)',
  uuid: 'not a UUID (8-4-4-4-12 hex digits)',
  date: 'not a calendar date written YYYY-MM-DD',
  string: 'a JSON item\'s field holds something other than a string',
  not_in_dictionary: 'the value is not an active code of the column\'s dictionary',
  list_length_mismatch: 'the lists of one group (`device_names.*` or `properties.*`) hold different numbers of values; names no single column',
  list_value_empty: 'one value of a list column is empty',
  property_value_count: 'a property has no value or more than one among `properties.value_*`; names no single column',
  typed_value: 'a property value does not parse as its column\'s type (integer, boolean, decimal)',
  reference_not_found: 'the value names a record that does not exist (`parent_id`)',
  distinct_persons: '`person_id` and `master_person_id` name the same person; names no single column',
  field_count: 'the record has more or fewer fields than the header; names no column',
  malformed_csv: 'the record is not valid CSV (e.g. a stray or unclosed quote); names no column',
  malformed_json: 'the JSON item does not parse; names no field',
  not_object: 'the JSON item is not an object; names no field',
};

export interface FieldProblem {
  /** The column as the upload's header names it (a JSON item's field); null when no one column is at fault. */
  column: string | null;
  /** The value as the check saw it (trimmed), at most `maxFieldValueLength` characters; null with `column`. */
  value: string | null;
  rule: FieldRule;
  /** This problem's own text, exactly as the task's message has it. */
  message: string;
}

export const maxFieldValueLength = 200;

/** At most `maxFieldValueLength` UTF-16 units, never ending inside a surrogate pair. */
function clip(value: string): string {
  if (value.length <= maxFieldValueLength) return value;
  const end = value.charCodeAt(maxFieldValueLength - 1);
  return value.slice(0, end >= 0xd800 && end <= 0xdbff ? maxFieldValueLength - 1 : maxFieldValueLength);
}

export const fieldProblem = (column: string, value: string, rule: FieldRule, message: string): FieldProblem =>
  ({ column, value: clip(value), rule, message });

/** A problem of the whole record, or of several columns at once. */
export const recordProblem = (rule: FieldRule, message: string): FieldProblem => ({ column: null, value: null, rule, message });

/** The problems' own texts, in order: what a task's message joins. */
export const problemMessages = (problems: readonly FieldProblem[]): string[] => problems.map((p) => p.message);
