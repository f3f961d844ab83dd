/**
 * Validation of a registry CSV: the header row (checked by the api before a job exists) and each
 * data record (checked by the workers, one task per record). Pure: dictionaries come in as a
 * lookup, and a record's problems come back all at once, so a user fixes a line in one go: each
 * with its column, value and rule code (a failed task's `extensions.fields`), and as text naming
 * each column (its message).
 */
import { columnProblems, parseHeader, parseRecords } from '../csv/fields';
import { fieldProblem, problemMessages, recordProblem, type FieldProblem, type FieldRule } from '../platform/field-rules';
import { isUuid } from '../platform/formats';
import { deviceColumns, isDeviceColumn, mandatoryColumns, type DeviceColumn, type DictionaryName } from './column-rules';

export interface Dictionaries {
  /** Whether `code` is an active entry of `name` (exact, case-sensitive match). */
  has(name: DictionaryName, code: string): boolean;
}

export type PropertyValue =
  | { type: string; value_integer: number }
  | { type: string; value_string: string }
  | { type: string; value_boolean: boolean }
  | { type: string; value_decimal: string };

export interface DeviceDraft {
  externalId: string | null;
  classificationType: string;
  description: string | null;
  manufacturerName: string;
  manufacturerCountry: string;
  modelNumber: string;
  partNumber: string | null;
  packagingType: string;
  packagingCount: number;
  packagingUnit: string;
  note: string | null;
  isActive: boolean;
  properties: PropertyValue[] | null;
  parentId: string | null;
  names: { type: string; name: string }[];
}

/** A record's problems one by one; a good record allocates nothing for them. */
export type RecordCheck = { ok: true; device: DeviceDraft } | { ok: false; fields: FieldProblem[] };

/** The same, with each problem as the text the task's message joins. */
export type RecordVerdict = { ok: true; device: DeviceDraft } | { ok: false; problems: string[] };

const verdictOf = (check: RecordCheck): RecordVerdict => (check.ok ? check : { ok: false, problems: problemMessages(check.fields) });

/** Problems of a header row: missing mandatory, unknown and repeated columns; empty when fine. */
export function headerProblems(columns: readonly string[]): string[] {
  return columnProblems(columns, isDeviceColumn, mandatoryColumns);
}

const integerPattern = /^[+-]?\d+$/;
const decimalPattern = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;
const maxInt4 = 2_147_483_647;

const show = (value: string): string => JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);

const parseBoolean = (value: string): boolean | null => {
  const lower = value.toLowerCase();
  return lower === 'true' ? true : lower === 'false' ? false : null;
};

const propertyKinds = ['value_integer', 'value_string', 'value_boolean', 'value_decimal'] as const;
type PropertyKind = (typeof propertyKinds)[number];

/** Where each column sits in a header: computed once per chunk, not per record. */
type ColumnIndex = ReadonlyMap<string, number>;

/** One record, already split into fields in header order. */
class RecordReader {
  readonly problems: FieldProblem[] = [];

  constructor(
    private readonly index: ColumnIndex,
    private readonly fields: readonly string[],
    private readonly dictionaries: Dictionaries,
  ) {}

  private raw(column: DeviceColumn): string {
    const at = this.index.get(column);
    return at === undefined ? '' : (this.fields[at] ?? '').trim();
  }

  private problem(column: DeviceColumn, rule: FieldRule, message: string, value = this.raw(column)): null {
    this.problems.push(fieldProblem(column, value, rule, `column "${column}" ${message}`));
    return null;
  }

  /** A problem of several columns (or of none): it names them in its own words. */
  private across(rule: FieldRule, message: string): void {
    this.problems.push(recordProblem(rule, message));
  }

  text(column: DeviceColumn): string | null {
    const spec = deviceColumns[column];
    const value = this.raw(column);
    if (value === '') return spec.mandatory ? this.problem(column, 'required', 'is required', value) : null;
    if (spec.rule.kind !== 'text') throw new Error(`${column} is not a text column`);
    if (value.length > spec.rule.maxLength) {
      return this.problem(column, 'max_length', `is longer than ${spec.rule.maxLength} characters (${value.length})`, value);
    }
    const dictionary = spec.rule.dictionary;
    if (dictionary && !this.dictionaries.has(dictionary, value)) {
      return this.problem(column, 'not_in_dictionary', `has ${show(value)}, which is not in the ${dictionary} dictionary`, value);
    }
    return value;
  }

  positiveInteger(column: DeviceColumn): number | null {
    const value = this.raw(column);
    if (value === '') return this.problem(column, 'required', 'is required', value);
    const n = integerPattern.test(value) ? Number(value) : Number.NaN;
    if (!(n >= 1 && n <= maxInt4)) return this.problem(column, 'positive_integer', `must be a positive integer, got ${show(value)}`, value);
    return n;
  }

  boolean(column: DeviceColumn): boolean | null {
    const value = this.raw(column);
    if (value === '') return this.problem(column, 'required', 'is required', value);
    const parsed = parseBoolean(value);
    return parsed ?? this.problem(column, 'boolean', `must be true or false, got ${show(value)}`, value);
  }

  uuid(column: DeviceColumn): string | null {
    const value = this.raw(column);
    if (value === '') return null;
    return isUuid(value) ? value.toLowerCase() : this.problem(column, 'uuid', `must be a UUID, got ${show(value)}`, value);
  }

  /** The `|`-separated lists of a group's columns, in the order asked, all of one length; null when they disagree. */
  lists(columns: readonly DeviceColumn[]): string[][] | null {
    const lists = columns.map((c) => {
      const value = this.raw(c);
      return value === '' ? [] : value.split('|').map((v) => v.trim());
    });
    const length = lists.find((l) => l.length > 0)?.length ?? 0;
    if (lists.some((l) => l.length > 0 && l.length !== length)) {
      const described = columns.flatMap((c, i) => (lists[i]!.length > 0 ? [`${c} has ${lists[i]!.length}`] : []));
      this.across('list_length_mismatch', `columns ${columns.join(', ')} must list as many values (separated by "|"): ${described.join(', ')}`);
      return null;
    }
    columns.forEach((column, i) => {
      const max = (deviceColumns[column].rule as { maxLength: number }).maxLength;
      const long = lists[i]!.findIndex((v) => v.length > max);
      if (long >= 0) this.problem(column, 'max_length', `value ${long + 1} is longer than ${max} characters`);
    });
    return lists;
  }

  names(): { type: string; name: string }[] {
    const lists = this.lists(['device_names.name', 'device_names.type']);
    if (!lists) return [];
    const [names = [], types = []] = lists;
    if (names.length === 0) this.problem('device_names.name', 'required', 'is required');
    if (types.length === 0) this.problem('device_names.type', 'required', 'is required');
    names.forEach((name, i) => {
      if (name === '') this.problem('device_names.name', 'list_value_empty', `value ${i + 1} is empty`);
      if (types[i] === '') this.problem('device_names.type', 'list_value_empty', `value ${i + 1} is empty`);
    });
    return names.map((name, i) => ({ name, type: types[i] ?? '' }));
  }

  properties(): PropertyValue[] | null {
    const lists = this.lists(['properties.type', ...propertyKinds.map((k) => `properties.${k}` as DeviceColumn)]);
    if (!lists) return null;
    const [types = [], ...values] = lists;
    const anyValue = values.some((l) => l.length > 0);
    if (types.length === 0) {
      if (anyValue) this.problem('properties.type', 'required_with_value', 'is required when a property value is given');
      return null;
    }
    const properties: PropertyValue[] = [];
    types.forEach((type, i) => {
      const label = `property ${i + 1}${type ? ` (${show(type)})` : ''}`;
      if (type === '') this.problem('properties.type', 'list_value_empty', `value ${i + 1} is empty`);
      const given = propertyKinds.filter((_, k) => (values[k]![i] ?? '') !== '');
      if (given.length !== 1) {
        this.across('property_value_count', `${label} must have exactly one value, found ${given.length === 0 ? 'none' : given.join(', ')}`);
        return;
      }
      const kind = given[0]!;
      const value = values[propertyKinds.indexOf(kind)]![i]!;
      const parsed = parseProperty(type, kind, value);
      if (parsed) properties.push(parsed);
      else this.problem(`properties.${kind}`, 'typed_value', `value ${i + 1} is not a valid ${kind.slice(6)}: ${show(value)}`);
    });
    return properties;
  }
}

function parseProperty(type: string, kind: PropertyKind, value: string): PropertyValue | null {
  switch (kind) {
    case 'value_integer':
      return integerPattern.test(value) && Number.isSafeInteger(Number(value)) ? { type, value_integer: Number(value) } : null;
    case 'value_decimal':
      // Kept as written: a JSON number would round what the manufacturer declared.
      return decimalPattern.test(value) ? { type, value_decimal: value } : null;
    case 'value_boolean': {
      const parsed = parseBoolean(value);
      return parsed === null ? null : { type, value_boolean: parsed };
    }
    case 'value_string':
      return { type, value_string: value };
  }
}

/** A checker for records under one header; compile once per chunk, apply to each record. */
export function recordChecker(columns: readonly string[]): (fields: readonly string[], dictionaries: Dictionaries) => RecordCheck {
  const index: ColumnIndex = new Map(columns.map((c, i) => [c, i]));
  return (fields, dictionaries) => {
    if (fields.length !== columns.length) {
      return { ok: false, fields: [recordProblem('field_count', `the record has ${fields.length} fields but the header has ${columns.length}`)] };
    }
    const r = new RecordReader(index, fields, dictionaries);
    const device = {
      externalId: r.text('external_id'),
      classificationType: r.text('classification_type'),
      description: r.text('description'),
      manufacturerName: r.text('manufacturer_name'),
      manufacturerCountry: r.text('manufacturer_country'),
      modelNumber: r.text('model_number'),
      partNumber: r.text('part_number'),
      packagingType: r.text('packaging_type'),
      packagingCount: r.positiveInteger('packaging_count'),
      packagingUnit: r.text('packaging_unit'),
      note: r.text('note'),
      isActive: r.boolean('is_active'),
      parentId: r.uuid('parent_id'),
      names: r.names(),
      properties: r.properties(),
    };
    // Mandatory values are non-null whenever no problem was recorded.
    return r.problems.length > 0 ? { ok: false, fields: r.problems } : { ok: true, device: device as DeviceDraft };
  };
}

/** Checks one record against the header's columns; every problem is reported, not just the first. */
export const checkDeviceRecord = (columns: readonly string[], fields: readonly string[], dictionaries: Dictionaries): RecordCheck =>
  recordChecker(columns)(fields, dictionaries);

/** The same, the problems as text. */
export const validateDeviceRecord = (columns: readonly string[], fields: readonly string[], dictionaries: Dictionaries): RecordVerdict =>
  verdictOf(checkDeviceRecord(columns, fields, dictionaries));

/** The task error message for a record's problems, naming its line. */
export const recordErrorMessage = (line: number, problems: readonly string[]): string => `Line ${line}: ${problems.join('; ')}`;

export interface RecordInput {
  line: number;
  /** The raw CSV record (see csv-records.ts). */
  text: string;
}

/** A chunk of records of one file: parsed together, then each checked against the header. */
export function checkRecordFields(header: string, records: readonly RecordInput[], dictionaries: Dictionaries): RecordCheck[] {
  const columns = parseHeader(header);
  if (!columns.ok) throw new Error(`stored header does not parse: ${columns.problem}`);
  const check = recordChecker(columns.fields);
  return parseRecords(records.map((r) => r.text)).map((parsed) =>
    parsed.ok ? check(parsed.fields, dictionaries) : { ok: false, fields: [recordProblem('malformed_csv', parsed.problem)] },
  );
}

/** The same, the problems as text. */
export const checkRecords = (header: string, records: readonly RecordInput[], dictionaries: Dictionaries): RecordVerdict[] =>
  checkRecordFields(header, records, dictionaries).map(verdictOf);
