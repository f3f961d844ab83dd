/**
 * SPEC §3 device registry: the dictionaries an import validates against, seeded here, and the
 * device definition tables it fills. The import COPYs about a million rows a minute into the two
 * device tables, so they carry no triggers and no index beyond their keys and the names' foreign
 * key; dictionary codes are checked by the worker, not by foreign keys.
 */
import { Migration } from '@mikro-orm/migrations';
import { escapeLiteral } from 'pg';
import { countries } from './country-codes';

type Seed = readonly (readonly [code: string, description: string])[];

const dictionarySeeds: Record<string, Seed> = {
  COUNTRY: countries.map((c) => [c.code, c.name] as const),
  device_classification_type: [
    ['I', 'Class I'],
    ['IIa', 'Class IIa'],
    ['IIb', 'Class IIb'],
    ['III', 'Class III'],
  ],
  device_definition_packaging_type: [
    ['box', 'Box'],
    ['pack', 'Pack'],
    ['bottle', 'Bottle'],
    ['ampoule', 'Ampoule'],
    ['blister', 'Blister'],
    ['tube', 'Tube'],
    ['vial', 'Vial'],
    ['bag', 'Bag'],
    ['sachet', 'Sachet'],
    ['case', 'Case'],
  ],
  DEVICE_UNIT: [
    ['piece', 'Piece'],
    ['pair', 'Pair'],
    ['ml', 'Millilitre'],
    ['l', 'Litre'],
    ['mg', 'Milligram'],
    ['g', 'Gram'],
    ['kg', 'Kilogram'],
    ['mm', 'Millimetre'],
    ['cm', 'Centimetre'],
    ['m', 'Metre'],
  ],
};

/** One multi-row INSERT per dictionary; escapeLiteral quotes names such as "Côte d'Ivoire". */
const seedSql = (name: string, seed: Seed): string =>
  `insert into dictionaries (name, code, description) values\n` +
  seed.map(([code, description]) => `  (${escapeLiteral(name)}, ${escapeLiteral(code)}, ${escapeLiteral(description)})`).join(',\n');

export class Migration20261122000003_device_registry extends Migration {
  override up(): void {
    this.addSql(`
      create table dictionaries (
        name text not null,
        code text not null,
        description text,
        is_active boolean not null default true,
        inserted_at timestamptz(6) not null default now(),
        updated_at timestamptz(6) not null default now(),
        primary key (name, code)
      )`);
    for (const [name, seed] of Object.entries(dictionarySeeds)) this.addSql(seedSql(name, seed));

    this.addSql(`
      create table device_definitions (
        id uuid primary key,
        external_id varchar(255),
        classification_type varchar(255) not null,
        description varchar(2000),
        manufacturer_name varchar(255) not null,
        manufacturer_country varchar(255) not null,
        model_number varchar(255) not null,
        part_number varchar(255),
        packaging_type varchar(255) not null,
        packaging_count integer not null check (packaging_count > 0),
        packaging_unit varchar(255) not null,
        note varchar(2000),
        is_active boolean not null,
        properties jsonb,
        parent_id uuid references device_definitions (id),
        inserted_by uuid,
        updated_by uuid,
        inserted_at timestamptz(6) not null default now(),
        updated_at timestamptz(6) not null default now()
      )`);
    this.addSql(`
      create table device_definition_names (
        id uuid primary key default gen_random_uuid(),
        device_definition_id uuid not null references device_definitions (id) on delete cascade,
        type varchar(255) not null,
        name varchar(255) not null
      )`);
    // A device's names are read with it, and the cascade on delete looks them up the same way.
    this.addSql(`create index device_definition_names_device_definition_id_idx on device_definition_names (device_definition_id)`);
  }

  override down(): void {
    this.addSql('drop table if exists device_definition_names');
    this.addSql('drop table if exists device_definitions');
    this.addSql('drop table if exists dictionaries');
  }
}
