import { describe, expect, it } from 'vitest';
import { checkDeviceRecord, checkRecordFields, checkRecords, type Dictionaries } from '../../src/device-registry/record-rules';
import { mandatoryColumns } from '../../src/device-registry/column-rules';
import type { FieldProblem } from '../../src/platform/field-rules';

const known: Record<string, string[]> = {
  COUNTRY: ['UA'], device_classification_type: ['IIa'], device_definition_packaging_type: ['box'], DEVICE_UNIT: ['piece'],
};
const dictionaries: Dictionaries = { has: (name, code) => known[name]?.includes(code) ?? false };

const columns = [...mandatoryColumns, 'properties.type', 'properties.value_integer', 'properties.value_string', 'properties.value_boolean', 'properties.value_decimal', 'parent_id'];
const good: Record<string, string> = {
  classification_type: 'IIa', manufacturer_name: 'Acme', manufacturer_country: 'UA', model_number: 'M-1',
  packaging_type: 'box', packaging_count: '10', packaging_unit: 'piece', is_active: 'true',
  'device_names.name': 'Thermometer', 'device_names.type': 'USER_PROVIDED',
  'properties.type': 'weight', 'properties.value_integer': '12', 'properties.value_string': '', 'properties.value_boolean': '',
  'properties.value_decimal': '', parent_id: '',
};
const record = (changes: Record<string, string>): string[] => columns.map((c) => ({ ...good, ...changes })[c] ?? '');
const fields = (changes: Record<string, string>): FieldProblem[] => {
  const check = checkDeviceRecord(columns, record(changes), dictionaries);
  return check.ok ? [] : check.fields;
};
const entry = (column: string | null, value: string | null, rule: FieldProblem['rule'], message: string): FieldProblem => ({ column, value, rule, message });

describe('a record\'s problems one by one', () => {
  it('gives each column check its rule, the column, the trimmed value and the message\'s own words', () => {
    expect(fields({ manufacturer_name: '  ', model_number: 'x'.repeat(256), packaging_count: ' 0 ', is_active: 'yes', manufacturer_country: 'XX', parent_id: 'abc' })).toEqual([
      entry('manufacturer_name', '', 'required', 'column "manufacturer_name" is required'),
      entry('manufacturer_country', 'XX', 'not_in_dictionary', 'column "manufacturer_country" has "XX", which is not in the COUNTRY dictionary'),
      entry('model_number', 'x'.repeat(200), 'max_length', 'column "model_number" is longer than 255 characters (256)'),
      entry('packaging_count', '0', 'positive_integer', 'column "packaging_count" must be a positive integer, got "0"'),
      entry('is_active', 'yes', 'boolean', 'column "is_active" must be true or false, got "yes"'),
      entry('parent_id', 'abc', 'uuid', 'column "parent_id" must be a UUID, got "abc"'),
    ]);
  });

  it('names no single column for lists of different lengths, and the list column for an item', () => {
    expect(fields({ 'device_names.type': 'A|B' })).toEqual([
      entry(null, null, 'list_length_mismatch', 'columns device_names.name, device_names.type must list as many values (separated by "|"): device_names.name has 1, device_names.type has 2'),
    ]);
    expect(fields({ 'device_names.name': 'A|', 'device_names.type': `B|${'t'.repeat(256)}` })).toEqual([
      entry('device_names.type', `B|${'t'.repeat(198)}`, 'max_length', 'column "device_names.type" value 2 is longer than 255 characters'),
      entry('device_names.name', 'A|', 'list_value_empty', 'column "device_names.name" value 2 is empty'),
    ]);
    expect(fields({ 'device_names.name': '', 'device_names.type': '' })).toEqual([
      entry('device_names.name', '', 'required', 'column "device_names.name" is required'),
      entry('device_names.type', '', 'required', 'column "device_names.type" is required'),
    ]);
  });

  it('maps each property check', () => {
    expect(fields({ 'properties.value_integer': '1.5' })).toEqual([
      entry('properties.value_integer', '1.5', 'typed_value', 'column "properties.value_integer" value 1 is not a valid integer: "1.5"'),
    ]);
    expect(fields({ 'properties.value_string': 'heavy' })).toEqual([
      entry(null, null, 'property_value_count', 'property 1 ("weight") must have exactly one value, found value_integer, value_string'),
    ]);
    expect(fields({ 'properties.type': '' })).toEqual([
      entry('properties.type', '', 'required_with_value', 'column "properties.type" is required when a property value is given'),
    ]);
    expect(fields({ 'properties.type': 'a|', 'properties.value_integer': '1|2', 'properties.value_string': '|', 'properties.value_boolean': '|', 'properties.value_decimal': '|' })).toEqual([
      entry('properties.type', 'a|', 'list_value_empty', 'column "properties.type" value 2 is empty'),
    ]);
  });

  it('names no column when the record does not fit the header or is not CSV', () => {
    expect(checkDeviceRecord(columns, ['a'], dictionaries)).toEqual({
      ok: false, fields: [entry(null, null, 'field_count', `the record has 1 fields but the header has ${columns.length}`)],
    });
    const [check] = checkRecordFields(columns.join(','), [{ line: 2, text: 'a"b' }], dictionaries);
    expect(check).toEqual({ ok: false, fields: [entry(null, null, 'malformed_csv', 'a field has a quote inside it; quote the whole field and double the quotes within')] });
  });

  it('keeps the message view the same words in the same order, and a good record without problems', () => {
    const text = record({ is_active: 'maybe', packaging_unit: 'kg' }).join(',');
    const [check] = checkRecordFields(columns.join(','), [{ line: 2, text }], dictionaries);
    const [verdict] = checkRecords(columns.join(','), [{ line: 2, text }], dictionaries);
    expect(check?.ok === false && check.fields.map((f) => f.message)).toEqual(verdict?.ok === false && verdict.problems);
    expect(checkDeviceRecord(columns, record({}), dictionaries).ok).toBe(true);
  });
});
