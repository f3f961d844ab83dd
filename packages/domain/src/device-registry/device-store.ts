/**
 * Writes device definitions in bulk: one COPY for a chunk's definitions and one for their names,
 * inside the chunk's transaction, so they commit exactly when their tasks become PROCESSED.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';
import type { DeviceDraft } from './record-rules';
import { CopyBuffer, jsonb, type Sql, type TxSql, uuidv7 } from '../platform';

export interface NewDevice extends DeviceDraft {
  id: string;
}

async function copy(sql: TxSql, statement: string, rows: CopyBuffer): Promise<void> {
  if (rows.empty) return;
  await pipeline(Readable.from([rows.take()]), sql.client.query(copyFrom(statement)));
}

export async function insertDevices(sql: TxSql, devices: readonly NewDevice[], userId: string | null): Promise<void> {
  const definitions = new CopyBuffer();
  const names = new CopyBuffer();
  for (const d of devices) {
    definitions.add([
      d.id, d.externalId, d.classificationType, d.description, d.manufacturerName, d.manufacturerCountry,
      d.modelNumber, d.partNumber, d.packagingType, d.packagingCount, d.packagingUnit, d.note, d.isActive,
      jsonb(d.properties), d.parentId, userId, userId,
    ]);
    for (const n of d.names) names.add([uuidv7(), d.id, n.type, n.name]);
  }
  await copy(
    sql,
    `copy device_definitions (id, external_id, classification_type, description, manufacturer_name, manufacturer_country,
       model_number, part_number, packaging_type, packaging_count, packaging_unit, note, is_active, properties, parent_id,
       inserted_by, updated_by) from stdin`,
    definitions,
  );
  await copy(sql, 'copy device_definition_names (id, device_definition_id, type, name) from stdin', names);
}

/** Which of `ids` are existing device definitions (a record may name one as its parent). */
export async function existingDevices(sql: Sql, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await sql.query<{ id: string }>('select id from device_definitions where id = any($1::uuid[])', [ids]);
  return new Set(rows.map((r) => r.id));
}
