/**
 * Seed 001's acceptance criteria for the status migration, against a real database: destinations
 * that existed before it become `active`, destinations created after it start `created`.
 */
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Orm } from '../../src/platform/orm';
import { Migration20261122000006_destination_status } from '../../src/migrations/Migration20261122000006_destination_status';
import { openOrmDatabase, type OrmDatabase } from '#test/orm-database';

let database: OrmDatabase;
let orm: Orm;
let sql: pg.Client;
beforeAll(async () => {
  database = await openOrmDatabase({ poolSize: 1 });
  ({ orm, sql } = database);
});
afterAll(() => database.close());

async function apply(direction: 'up' | 'down'): Promise<void> {
  const migration = new Migration20261122000006_destination_status(orm.em.getDriver(), orm.config);
  migration[direction]();
  for (const query of migration.getQueries()) await sql.query(String(query));
}

describe('migration 6: destination status', () => {
  it('makes existing destinations active (since they were created) and new ones created', async () => {
    await sql.query('begin');
    try {
      await apply('down');
      const existing = await sql.query<{ id: string }>(
        `insert into destinations (name, inserted_at) values ('Live before the migration', now() - interval '400 days') returning id`,
      );
      await apply('up');
      const { rows: [before] } = await sql.query<{ status: string; changed_days_ago: number }>(
        `select status, extract(day from now() - status_changed_at)::int as changed_days_ago from destinations where id = $1`,
        [existing.rows[0]!.id],
      );
      expect(before).toEqual({ status: 'active', changed_days_ago: 400 });
      const { rows: [created] } = await sql.query<{ status: string }>(`insert into destinations (name) values ('New') returning status`);
      expect(created).toEqual({ status: 'created' });
      await expect(sql.query(`update destinations set status = 'archived'`)).rejects.toThrow(/destinations_status_check/);
    } finally {
      await sql.query('rollback');
    }
  });
});
