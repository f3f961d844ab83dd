/**
 * The database steps every operator script starts with: Postgres answers, the database exists, the
 * migrations are applied. Kept in one place so `npm start`, `npm run migrate` and the CLI agree.
 */
import { createOrm, migrate, type Orm } from '@jabba/domain/platform';
import { ensureDatabase, ensurePostgres } from './services';

type Log = (message: string) => void;

/**
 * MikroORM's migrator announces every migration on stdout; the scripts report what `migrate()`
 * returns instead, so those lines are dropped and anything else the ORM says goes to stderr.
 */
export const quietOrmLogger: Log = (message) => {
  if (!message.includes('[migrator]')) process.stderr.write(`${message}\n`);
};

export interface PreparedDatabase {
  orm: Orm;
  /** Names of the migrations this call applied; empty when the schema was already current. */
  applied: string[];
}

export interface PrepareOptions {
  log?: Log;
  poolSize?: number;
}

/** The caller owns the returned ORM and closes it. */
export async function prepareDatabase(databaseUrl: string, { log, poolSize = 2 }: PrepareOptions = {}): Promise<PreparedDatabase> {
  await ensurePostgres(databaseUrl, log);
  await ensureDatabase(databaseUrl, log);
  const orm = await createOrm({ databaseUrl, poolSize, logger: quietOrmLogger });
  try {
    return { orm, applied: await migrate(orm) };
  } catch (error) {
    await orm.close(true);
    throw error;
  }
}

/** Applies pending migrations and closes the ORM; for scripts that need nothing else. */
export async function migrateDatabase(databaseUrl: string, options: PrepareOptions = {}): Promise<string[]> {
  const { orm, applied } = await prepareDatabase(databaseUrl, { ...options, poolSize: 1 });
  await orm.close(true);
  return applied;
}
