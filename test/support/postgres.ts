/**
 * Test databases: one migrated template per test run, cloned per test file with
 * `CREATE DATABASE … TEMPLATE …` (milliseconds, versus re-running migrations).
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const serverUrl = (process.env.TEST_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432').replace(/\/$/, '');
export const databaseUrl = (name: string): string => `${serverUrl}/${name}`;

export async function withAdmin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: databaseUrl('postgres') });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export const quoteIdent = (name: string): string => `"${name.replaceAll('"', '""')}"`;

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

export async function cloneDatabase(template: string): Promise<TestDatabase> {
  const name = `${template.replace(/^jabba_tpl_/, 'jabba_t_')}_${randomBytes(4).toString('hex')}`;
  await withAdmin((c) => c.query(`create database ${quoteIdent(name)} template ${quoteIdent(template)}`));
  return {
    name,
    url: databaseUrl(name),
    drop: () => withAdmin((c) => c.query(`drop database if exists ${quoteIdent(name)} with (force)`)).then(() => undefined),
  };
}
