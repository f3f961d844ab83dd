/**
 * Migration 3 against a real database: the seeded dictionaries, the dictionary loader the import
 * validates with, and the constraints and shape of the device tables the import COPYs into.
 */
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Orm } from '../../src/platform/orm';
import { inTransaction, sqlOf } from '../../src/platform/sql';
import { insertDevices } from '../../src/device-registry/device-store';
import { loadDictionaries } from '../../src/device-registry/dictionaries';
import { countries } from '../../src/migrations/country-codes';
import { Migration20261122000003_device_registry } from '../../src/migrations/Migration20261122000003_device_registry';
import { dictionaryNames } from '../../src/device-registry/column-rules';
import { openOrmDatabase, type OrmDatabase } from '#test/orm-database';

let database: OrmDatabase;
let orm: Orm;
let sql: pg.Client;
beforeAll(async () => {
  database = await openOrmDatabase({ poolSize: 2 });
  ({ orm, sql } = database);
});
afterAll(() => database.close());

const codesOf = async (name: string): Promise<string[]> =>
  (await sql.query<{ code: string }>(`select code from dictionaries where name = $1 and is_active order by code collate "C"`, [name])).rows.map((r) => r.code);

/** Inserts a device definition with every mandatory column set; `columns` overrides or adds. */
async function insertDevice(columns: Record<string, unknown> = {}): Promise<string> {
  const row: Record<string, unknown> = {
    id: randomUUID(), classification_type: 'IIa', manufacturer_name: 'Acme', manufacturer_country: 'UA',
    model_number: 'M-1', packaging_type: 'box', packaging_count: 10, packaging_unit: 'piece', is_active: true, ...columns,
  };
  const names = Object.keys(row);
  await sql.query(
    `insert into device_definitions (${names.join(', ')}) values (${names.map((_, i) => `$${i + 1}`).join(', ')})`,
    Object.values(row),
  );
  return row.id as string;
}

const insertName = (deviceId: string, name = 'Syringe') =>
  sql.query(`insert into device_definition_names (device_definition_id, type, name) values ($1, 'trade', $2)`, [deviceId, name]);

describe('seeded dictionaries', () => {
  it('COUNTRY holds exactly the 249 officially assigned ISO 3166-1 alpha-2 codes with their English names', async () => {
    const codes = await codesOf('COUNTRY');
    expect(codes).toHaveLength(249);
    expect(new Set(codes).size).toBe(249);
    expect(codes).toEqual(countries.map((c) => c.code).sort());
    for (const code of ['UA', 'DE', 'US', 'AX', 'BQ', 'CW', 'SS', 'SX']) expect(codes).toContain(code);
    expect(codes).not.toContain('XK');
    for (const code of codes) expect(code).toMatch(/^[A-Z]{2}$/);
    const { rows } = await sql.query(`select code, description from dictionaries where name = 'COUNTRY' and code in ('UA', 'CI') order by code`);
    expect(rows).toEqual([{ code: 'CI', description: "Côte d'Ivoire" }, { code: 'UA', description: 'Ukraine' }]);
  });

  it('the device dictionaries hold the classes, packaging types and units an import needs', async () => {
    expect(new Set(await codesOf('device_classification_type'))).toEqual(new Set(['I', 'IIa', 'IIb', 'III']));
    expect(await codesOf('device_definition_packaging_type')).toEqual(expect.arrayContaining(['ampoule', 'blister', 'bottle', 'box', 'pack']));
    expect(await codesOf('DEVICE_UNIT')).toEqual(expect.arrayContaining(['g', 'ml', 'mm', 'pair', 'piece']));
    const { rows } = await sql.query<{ name: string }>(`select distinct name from dictionaries order by name`);
    // Migration 3 seeds the device dictionaries; migration 8 the service catalog's category.
    expect(rows.map((r) => r.name).sort()).toEqual([...dictionaryNames, 'SERVICE_CATEGORY'].sort());
  });

  it('a dictionary holds a code once', async () => {
    await expect(sql.query(`insert into dictionaries (name, code) values ('COUNTRY', 'UA')`)).rejects.toMatchObject({
      code: '23505',
      message: 'duplicate key value violates unique constraint "dictionaries_pkey"',
    });
  });
});

describe('loadDictionaries', () => {
  it('answers from the active rows of the dictionaries it loaded, exactly and case-sensitively', async () => {
    await sql.query(`insert into dictionaries (name, code, description, is_active) values ('DEVICE_UNIT', 'gross', 'Gross (retired)', false)`);
    const dictionaries = await inTransaction(orm.em, ({ sql: tx }) => loadDictionaries(tx, ['COUNTRY', 'DEVICE_UNIT', 'device_classification_type']));
    expect(dictionaries.has('COUNTRY', 'UA')).toBe(true);
    expect(dictionaries.has('COUNTRY', 'DE')).toBe(true);
    expect(dictionaries.has('COUNTRY', 'XK')).toBe(false);
    expect(dictionaries.has('COUNTRY', 'ua')).toBe(false);
    expect(dictionaries.has('COUNTRY', 'Ukraine')).toBe(false);
    expect(dictionaries.has('device_classification_type', 'IIb')).toBe(true);
    expect(dictionaries.has('device_classification_type', 'IIB')).toBe(false);
    expect(dictionaries.has('DEVICE_UNIT', 'piece')).toBe(true);
    expect(dictionaries.has('DEVICE_UNIT', 'gross')).toBe(false);
    expect(dictionaries.has('DEVICE_UNIT', 'box')).toBe(false);
    expect(() => dictionaries.has('device_definition_packaging_type', 'box')).toThrow('dictionary device_definition_packaging_type was not loaded');
  });

  it('reads a dictionary as it is at load time, in one query', async () => {
    await sql.query(`update dictionaries set is_active = false where name = 'COUNTRY' and code = 'DE'`);
    try {
      const queries: string[] = [];
      const dictionaries = await inTransaction(orm.em, async ({ sql: tx }) => {
        const counting = { ...tx, query: <R extends object>(text: string, values?: unknown[]) => { queries.push(text); return tx.query<R>(text, values); } };
        return loadDictionaries(counting, dictionaryNames);
      });
      expect(queries).toHaveLength(1);
      expect(dictionaries.has('COUNTRY', 'DE')).toBe(false);
      expect(dictionaries.has('device_definition_packaging_type', 'blister')).toBe(true);
    } finally {
      await sql.query(`update dictionaries set is_active = true where name = 'COUNTRY' and code = 'DE'`);
    }
  });
});

describe('device definition tables', () => {
  it('store a device with its names and defaults', async () => {
    const id = await insertDevice({ properties: JSON.stringify([{ type: 'sterile', value_boolean: true }]) });
    await insertName(id);
    const { rows } = await sql.query(`select is_active, packaging_count, properties, parent_id, inserted_at is not null as stamped from device_definitions where id = $1`, [id]);
    expect(rows).toEqual([{ is_active: true, packaging_count: 10, properties: [{ type: 'sterile', value_boolean: true }], parent_id: null, stamped: true }]);
    const names = await sql.query(`select type, name from device_definition_names where device_definition_id = $1`, [id]);
    expect(names.rows).toEqual([{ type: 'trade', name: 'Syringe' }]);
  });

  it('refuse a packaging count below one, a missing mandatory column and an over-long value', async () => {
    await expect(insertDevice({ packaging_count: 0 })).rejects.toMatchObject({
      code: '23514',
      message: 'new row for relation "device_definitions" violates check constraint "device_definitions_packaging_count_check"',
    });
    await expect(insertDevice({ manufacturer_country: null })).rejects.toMatchObject({
      code: '23502',
      message: 'null value in column "manufacturer_country" of relation "device_definitions" violates not-null constraint',
    });
    await expect(insertDevice({ is_active: null })).rejects.toMatchObject({ code: '23502' });
    await expect(insertDevice({ model_number: 'x'.repeat(256) })).rejects.toMatchObject({
      code: '22001',
      message: 'value too long for type character varying(255)',
    });
    await expect(insertDevice({ note: 'x'.repeat(2001) })).rejects.toMatchObject({ message: 'value too long for type character varying(2000)' });
  });

  it('refuse a parent or a name that points at no device', async () => {
    await expect(insertDevice({ parent_id: randomUUID() })).rejects.toMatchObject({
      code: '23503',
      message: 'insert or update on table "device_definitions" violates foreign key constraint "device_definitions_parent_id_fkey"',
    });
    await expect(insertName(randomUUID())).rejects.toMatchObject({
      code: '23503',
      message: 'insert on table "device_definition_names" violates foreign key "device_definition_id": 1 of its 1 device_definitions do not exist',
    });
    const parent = await insertDevice();
    const child = await insertDevice({ parent_id: parent });
    expect(child).not.toBe(parent);
  });

  it('take any code: the dictionaries are checked by the worker, not by foreign keys', async () => {
    await expect(insertDevice({ classification_type: 'IV', manufacturer_country: 'XK', packaging_type: 'crate', packaging_unit: 'gross' })).resolves.toBeTypeOf('string');
  });

  it('delete a device definition with its names', async () => {
    const id = await insertDevice();
    await insertName(id, 'first');
    await insertName(id, 'second');
    await sql.query(`delete from device_definitions where id = $1`, [id]);
    const { rows } = await sql.query(`select count(*)::int as n from device_definition_names where device_definition_id = $1`, [id]);
    expect(rows).toEqual([{ n: 0 }]);
  });

  it('check a COPY of names as a set: one missing device refuses the whole statement, naming the count', async () => {
    const id = await insertDevice();
    const names = [id, randomUUID(), id, randomUUID()];
    await expect(sql.query(
      `insert into device_definition_names (device_definition_id, type, name) select unnest($1::uuid[]), 'trade', 'n'`, [names],
    )).rejects.toMatchObject({
      code: '23503',
      message: 'insert on table "device_definition_names" violates foreign key "device_definition_id": 2 of its 3 device_definitions do not exist',
    });
    const { rows } = await sql.query(`select count(*)::int as n from device_definition_names where device_definition_id = $1`, [id]);
    expect(rows).toEqual([{ n: 0 }]);
  });

  it('never move a name to another device', async () => {
    const [from, to] = [await insertDevice(), await insertDevice()];
    await insertName(from);
    await expect(sql.query(`update device_definition_names set device_definition_id = $2 where device_definition_id = $1`, [from, to])).rejects.toMatchObject({
      code: '23503',
      message: 'update on table "device_definition_names" may not change "device_definition_id"',
    });
    await sql.query(`update device_definition_names set name = 'renamed' where device_definition_id = $1`, [from]);
  });

  it('carry no index beyond the keys and the names look-up, and only the set-based key triggers, so COPY stays fast', async () => {
    const { rows: indexes } = await sql.query<{ indexname: string }>(
      `select indexname from pg_indexes where tablename in ('device_definitions', 'device_definition_names') order by indexname`,
    );
    expect(indexes.map((r) => r.indexname)).toEqual(['device_definition_names_device_definition_id_idx', 'device_definition_names_pkey', 'device_definitions_pkey']);
    const { rows: triggers } = await sql.query<{ tgname: string; level: string }>(
      `select tgname, case when tgtype & 1 = 1 then 'row' else 'statement' end as level from pg_trigger
       where not tgisinternal and tgrelid in ('device_definitions'::regclass, 'device_definition_names'::regclass) order by tgname`,
    );
    expect(triggers).toEqual([
      { tgname: 'device_definition_names_device_definition_id_never_changes', level: 'row' },
      { tgname: 'device_definition_names_parents_exist', level: 'statement' },
      { tgname: 'device_definitions_delete_device_definition_names', level: 'statement' },
    ]);
  });
});

describe('the production SQL handle', () => {
  it('reads a dictionary row outside a transaction and COPYs a device with its names inside one', async () => {
    const [ukraine] = await sqlOf(orm.em.fork()).query(
      `select description, is_active from dictionaries where name = 'COUNTRY' and code = 'UA'`,
    );
    expect(ukraine).toEqual({ description: 'Ukraine', is_active: true });
    const device = {
      id: randomUUID(), externalId: null, classificationType: 'III', description: null, manufacturerName: 'Acme', manufacturerCountry: 'DE',
      modelNumber: 'M-2', partNumber: null, packagingType: 'vial', packagingCount: 5, packagingUnit: 'ml', note: null, isActive: false,
      properties: [{ type: 'volume', value_decimal: '2.5' }], parentId: null, names: [{ type: 'generic', name: 'Vial' }],
    };
    await inTransaction(orm.em, ({ sql: tx }) => insertDevices(tx, [device], null));
    const { rows } = await sql.query(
      `select d.packaging_unit, d.is_active, d.properties, n.name from device_definitions d join device_definition_names n on n.device_definition_id = d.id where d.id = $1`,
      [device.id],
    );
    expect(rows).toEqual([{ packaging_unit: 'ml', is_active: false, properties: [{ type: 'volume', value_decimal: '2.5' }], name: 'Vial' }]);
  });
});

describe('migration 3 down', () => {
  it('drops what up created, and up builds it again', async () => {
    const migration = new Migration20261122000003_device_registry(orm.em.getDriver(), orm.config);
    const tables = async () =>
      (await sql.query<{ t: string | null }>(
        `select to_regclass(t)::text as t from unnest(array['dictionaries', 'device_definitions', 'device_definition_names']) as t`,
      )).rows.map((r) => r.t);
    await sql.query('begin');
    try {
      migration.down();
      for (const query of migration.getQueries()) await sql.query(String(query));
      expect(await tables()).toEqual([null, null, null]);
      migration.reset();
      migration.up();
      for (const query of migration.getQueries()) await sql.query(String(query));
      expect(await tables()).toEqual(['dictionaries', 'device_definitions', 'device_definition_names']);
      expect(await codesOf('COUNTRY')).toHaveLength(249);
    } finally {
      await sql.query('rollback');
    }
  });
});
