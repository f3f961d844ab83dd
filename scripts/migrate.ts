/**
 * `npm run migrate`: creates the database if it is missing and applies pending migrations, on
 * DATABASE_DIRECT_URL when set (Postgres itself, not PgBouncer). The docker compose `migrate`
 * service runs this once before the api and workers start.
 */
import { directDatabaseUrl } from '@jabba/domain/platform';
import { migrateDatabase } from './lib/database';
import { readScriptEnv } from './lib/script-config';

async function main(): Promise<void> {
  const env = readScriptEnv();
  const url = directDatabaseUrl(env);
  const target = new URL(url);
  const where = `${target.hostname}:${target.port || 5432}${target.pathname}`;
  const applied = await migrateDatabase(url, { log: (m) => console.error(`[migrate] ${m}`) });
  if (applied.length === 0) {
    console.log(`migrate: ${where} is up to date`);
    return;
  }
  console.log(`migrate: applied ${applied.length} migration(s) to ${where}:`);
  for (const name of applied) console.log(`  ${name}`);
}

main().catch((error: unknown) => {
  console.error(`migrate failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
