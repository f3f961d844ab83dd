/**
 * Runs once per `vitest run`: makes sure Postgres and Redis answer, drops databases left by dead
 * runs, and migrates a template database that every test file clones.
 */
import type { TestProject } from 'vitest/node';
import { createOrm, migrate } from '@jabba/domain/platform';
import { ensureServices } from '../../scripts/lib/services';
import { databaseUrl, quoteIdent, serverUrl, withAdmin } from './postgres';

declare module 'vitest' {
  export interface ProvidedContext {
    templateDatabase: string;
  }
}

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  await ensureServices({ databaseUrl: `${serverUrl}/postgres`, redisUrl: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379' });
  const template = `jabba_tpl_${process.pid}`;
  await withAdmin(async (c) => {
    const { rows } = await c.query<{ datname: string }>(
      `select datname from pg_database where datname like 'jabba\\_t\\_%' or datname like 'jabba\\_tpl\\_%'`,
    );
    for (const { datname } of rows) {
      const pid = Number(datname.split('_')[2]);
      if (pid === process.pid || !isAlive(pid)) await c.query(`drop database if exists ${quoteIdent(datname)} with (force)`);
    }
    await c.query(`create database ${quoteIdent(template)}`);
  });
  const orm = await createOrm({ databaseUrl: databaseUrl(template), poolSize: 1, logger: () => undefined });
  await migrate(orm);
  await orm.close(true);
  project.provide('templateDatabase', template);

  return async () => {
    await withAdmin(async (c) => {
      const { rows } = await c.query<{ datname: string }>(
        `select datname from pg_database where datname = $1 or datname like $2`,
        [template, `jabba\\_t\\_${process.pid}\\_%`],
      );
      for (const { datname } of rows) await c.query(`drop database if exists ${quoteIdent(datname)} with (force)`);
    });
  };
}
