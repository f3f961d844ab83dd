import { describe, expect, it } from 'vitest';
import { checkRecords, headerProblems, recordErrorMessage, validateDeviceRecord, type Dictionaries } from '../../src/device-registry/record-rules';
import { mandatoryColumns } from '../../src/device-registry/column-rules';

const known: Record<string, string[]> = {
  COUNTRY: ['UA', 'DE'],
  device_classification_type: ['I', 'IIa', 'IIb', 'III'],
  device_definition_packaging_type: ['box', 'pack'],
  DEVICE_UNIT: ['piece', 'ml'],
};
const dictionaries: Dictionaries = { has: (name, code) => known[name]?.includes(code) ?? false };

const columns = [...mandatoryColumns, 'external_id', 'description', 'properties.type', 'properties.value_integer', 'properties.value_string', 'properties.value_boolean', 'properties.value_decimal', 'parent_id'];
const good: Record<string, string> = {
  classification_type: 'IIa', manufacturer_name: 'Acme', manufacturer_country: 'UA', model_number: 'M-1',
  packaging_type: 'box', packaging_count: '10', packaging_unit: 'piece', is_active: 'TRUE',
  'device_names.name': 'Thermometer|Термометр', 'device_names.type': 'USER_PROVIDED|PATIENT_REPORTED',
  external_id: '', description: ' A thermometer ', 'properties.type': 'weight|sterile|label|ratio',
  'properties.value_integer': '12|||', 'properties.value_string': '||red|', 'properties.value_boolean': '|false||',
  'properties.value_decimal': '|||0.50', parent_id: '',
};
const record = (changes: Record<string, string> = {}): string[] => columns.map((c) => ({ ...good, ...changes })[c] ?? '');
const problems = (changes: Record<string, string>): string[] => {
  const verdict = validateDeviceRecord(columns, record(changes), dictionaries);
  return verdict.ok ? [] : verdict.problems;
};

describe('headerProblems', () => {
  it('accepts the mandatory columns in any order, with optional ones', () => {
    expect(headerProblems([...columns].reverse())).toEqual([]);
  });

  it('names missing mandatory, unknown and repeated columns', () => {
    expect(headerProblems(['classification_type', 'colour', 'model_number', 'model_number'])).toEqual([
      'the header row lacks the mandatory columns manufacturer_name, manufacturer_country, packaging_type, packaging_count, packaging_unit, is_active, device_names.name, device_names.type',
      'the header row has unknown columns "colour"',
      'the header row repeats the columns model_number',
    ]);
  });
});

describe('validateDeviceRecord', () => {
  it('turns a good record into a device draft with names and typed properties', () => {
    expect(validateDeviceRecord(columns, record(), dictionaries)).toEqual({
      ok: true,
      device: {
        externalId: null, classificationType: 'IIa', description: 'A thermometer', manufacturerName: 'Acme',
        manufacturerCountry: 'UA', modelNumber: 'M-1', partNumber: null, packagingType: 'box', packagingCount: 10,
        packagingUnit: 'piece', note: null, isActive: true, parentId: null,
        names: [{ name: 'Thermometer', type: 'USER_PROVIDED' }, { name: 'Термометр', type: 'PATIENT_REPORTED' }],
        properties: [
          { type: 'weight', value_integer: 12 },
          { type: 'sterile', value_boolean: false },
          { type: 'label', value_string: 'red' },
          { type: 'ratio', value_decimal: '0.50' },
        ],
      },
    });
  });

  it('requires mandatory values', () => {
    expect(problems({ manufacturer_name: '  ', is_active: '' })).toEqual(['column "manufacturer_name" is required', 'column "is_active" is required']);
  });

  it('checks lengths', () => {
    expect(problems({ model_number: 'x'.repeat(256), description: 'y'.repeat(2001) })).toEqual([
      'column "description" is longer than 2000 characters (2001)',
      'column "model_number" is longer than 255 characters (256)',
    ]);
  });

  it.each(['0', '-3', '1.5', 'ten', '2147483648'])('refuses packaging_count %s', (value) => {
    expect(problems({ packaging_count: value })).toEqual([`column "packaging_count" must be a positive integer, got "${value}"`]);
  });

  it('refuses a boolean that is not true or false', () => {
    expect(problems({ is_active: 'yes' })).toEqual(['column "is_active" must be true or false, got "yes"']);
  });

  it('checks the dictionaries', () => {
    expect(problems({ manufacturer_country: 'XX', classification_type: 'IV', packaging_type: 'crate', packaging_unit: 'kg' })).toEqual([
      'column "classification_type" has "IV", which is not in the device_classification_type dictionary',
      'column "manufacturer_country" has "XX", which is not in the COUNTRY dictionary',
      'column "packaging_type" has "crate", which is not in the device_definition_packaging_type dictionary',
      'column "packaging_unit" has "kg", which is not in the DEVICE_UNIT dictionary',
    ]);
  });

  it('wants list columns of one group to have equal lengths', () => {
    expect(problems({ 'device_names.type': 'USER_PROVIDED' })).toEqual([
      'columns device_names.name, device_names.type must list as many values (separated by "|"): device_names.name has 2, device_names.type has 1',
    ]);
    expect(problems({ 'properties.value_string': '|' })).toEqual([
      'columns properties.type, properties.value_integer, properties.value_string, properties.value_boolean, properties.value_decimal must list as many values (separated by "|"): properties.type has 4, properties.value_integer has 4, properties.value_string has 2, properties.value_boolean has 4, properties.value_decimal has 4',
    ]);
  });

  it('wants exactly one value per property, and one that parses', () => {
    expect(problems({ 'properties.value_string': 'heavy||red|' })).toEqual(['property 1 ("weight") must have exactly one value, found value_integer, value_string']);
    expect(problems({ 'properties.value_integer': '|||' })).toEqual(['property 1 ("weight") must have exactly one value, found none']);
    expect(problems({ 'properties.value_integer': '1.5|||' })).toEqual(['column "properties.value_integer" value 1 is not a valid integer: "1.5"']);
    expect(problems({ 'properties.value_boolean': '|maybe||' })).toEqual(['column "properties.value_boolean" value 2 is not a valid boolean: "maybe"']);
    expect(problems({ 'properties.value_decimal': '|||1,5' })).toEqual(['column "properties.value_decimal" value 4 is not a valid decimal: "1,5"']);
  });

  it('wants a type for property values', () => {
    expect(problems({ 'properties.type': '', 'properties.value_integer': '', 'properties.value_string': '', 'properties.value_boolean': '', 'properties.value_decimal': '' })).toEqual([]);
    expect(problems({ 'properties.type': '', 'properties.value_integer': '', 'properties.value_string': 'x', 'properties.value_boolean': '', 'properties.value_decimal': '' })).toEqual([
      'column "properties.type" is required when a property value is given',
    ]);
  });

  it('checks parent_id is a uuid', () => {
    expect(problems({ parent_id: 'abc' })).toEqual(['column "parent_id" must be a UUID, got "abc"']);
  });

  it('refuses a record whose field count differs from the header', () => {
    expect(validateDeviceRecord(columns, record().slice(1), dictionaries)).toEqual({
      ok: false,
      problems: [`the record has ${columns.length - 1} fields but the header has ${columns.length}`],
    });
  });
});

describe('checkRecords', () => {
  it('parses and validates a chunk, a malformed record failing alone', () => {
    const header = 'classification_type,manufacturer_name,manufacturer_country,model_number,packaging_type,packaging_count,packaging_unit,is_active,device_names.name,device_names.type';
    const verdicts = checkRecords(header, [
      { line: 2, text: 'IIa,"Acme, Inc.",UA,M-1,box,1,piece,true,"Pump ""X""",USER_PROVIDED' },
      { line: 3, text: 'IIa,Acme"s,UA,M-1,box,1,piece,true,Pump,USER_PROVIDED' },
    ], dictionaries);
    expect(verdicts[0]).toMatchObject({ ok: true, device: { manufacturerName: 'Acme, Inc.', names: [{ name: 'Pump "X"', type: 'USER_PROVIDED' }] } });
    expect(verdicts[1]).toEqual({ ok: false, problems: ['a field has a quote inside it; quote the whole field and double the quotes within'] });
    expect(recordErrorMessage(3, ['a', 'b'])).toBe('Line 3: a; b');
  });
});
