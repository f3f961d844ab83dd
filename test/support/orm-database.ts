/**
 * A cloned test database opened two ways, for domain tests of migrations and schema: the ORM (for
 * the code under test) and a plain pg client (for raw SQL that must not go through the ORM, such as
 * a migration's own queries inside a transaction the test rolls back).
 */
import pg from 'pg';
import { inject } from 'vitest';
import { createOrm, type Orm } from '@jabba/domain/platform';
import { cloneDatabase, type TestDatabase } from './postgres';

export interface OrmDatabase {
  db: TestDatabase;
  orm: Orm;
  sql: pg.Client;
  /** Closes both connections, then drops the database. */
  close(): Promise<void>;
}

export async function openOrmDatabase({ poolSize }: { poolSize: number }): Promise<OrmDatabase> {
  const db = await cloneDatabase(inject('templateDatabase'));
  const orm = await createOrm({ databaseUrl: db.url, poolSize });
  const sql = new pg.Client({ connectionString: db.url });
  await sql.connect();
  return {
    db,
    orm,
    sql,
    async close() {
      await sql.end();
      await orm.close(true);
      await db.drop();
    },
  };
}
