/**
 * The device registry import (SPEC §3): the CSV columns a registry file may have, each with the
 * rule its values must meet. Pure data; the record validator applies it.
 */

export const dictionaryNames = ['COUNTRY', 'device_classification_type', 'device_definition_packaging_type', 'DEVICE_UNIT'] as const;
export type DictionaryName = (typeof dictionaryNames)[number];

export type ColumnRule =
  | { kind: 'text'; maxLength: number; dictionary?: DictionaryName }
  | { kind: 'positiveInteger' }
  | { kind: 'boolean' }
  | { kind: 'uuid' }
  /** `|`-separated values; position i of each list in a group belongs together. */
  | { kind: 'list'; group: 'device_names' | 'properties'; maxLength: number };

export interface ColumnSpec {
  mandatory: boolean;
  rule: ColumnRule;
}

const text = (maxLength: number, dictionary?: DictionaryName): ColumnRule => ({ kind: 'text', maxLength, ...(dictionary ? { dictionary } : {}) });

/** Every column a registry CSV may have (SPEC §3, the eHealth device definition data model). */
export const deviceColumns = {
  external_id: { mandatory: false, rule: text(255) },
  classification_type: { mandatory: true, rule: text(255, 'device_classification_type') },
  description: { mandatory: false, rule: text(2000) },
  manufacturer_name: { mandatory: true, rule: text(255) },
  manufacturer_country: { mandatory: true, rule: text(255, 'COUNTRY') },
  model_number: { mandatory: true, rule: text(255) },
  part_number: { mandatory: false, rule: text(255) },
  packaging_type: { mandatory: true, rule: text(255, 'device_definition_packaging_type') },
  packaging_count: { mandatory: true, rule: { kind: 'positiveInteger' } },
  packaging_unit: { mandatory: true, rule: text(255, 'DEVICE_UNIT') },
  note: { mandatory: false, rule: text(2000) },
  is_active: { mandatory: true, rule: { kind: 'boolean' } },
  parent_id: { mandatory: false, rule: { kind: 'uuid' } },
  'device_names.name': { mandatory: true, rule: { kind: 'list', group: 'device_names', maxLength: 255 } },
  'device_names.type': { mandatory: true, rule: { kind: 'list', group: 'device_names', maxLength: 255 } },
  'properties.type': { mandatory: false, rule: { kind: 'list', group: 'properties', maxLength: 255 } },
  'properties.value_integer': { mandatory: false, rule: { kind: 'list', group: 'properties', maxLength: 255 } },
  'properties.value_string': { mandatory: false, rule: { kind: 'list', group: 'properties', maxLength: 255 } },
  'properties.value_boolean': { mandatory: false, rule: { kind: 'list', group: 'properties', maxLength: 255 } },
  'properties.value_decimal': { mandatory: false, rule: { kind: 'list', group: 'properties', maxLength: 255 } },
} as const satisfies Record<string, ColumnSpec>;

export type DeviceColumn = keyof typeof deviceColumns;

export const isDeviceColumn = (name: string): name is DeviceColumn => Object.hasOwn(deviceColumns, name);

export const mandatoryColumns = (Object.keys(deviceColumns) as DeviceColumn[]).filter((c) => deviceColumns[c].mandatory);
