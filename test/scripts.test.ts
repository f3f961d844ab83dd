/**
 * The operator scripts as an operator runs them: the CLI and `migrate` as child processes against a
 * database of this file's own, and ensureServices against live and closed ports.
 */
import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { developmentJwtSecret, verifyAccessToken } from '@jabba/domain/identity';
import { directDatabaseUrl } from '@jabba/domain/platform';
import { readScriptEnv } from '../scripts/lib/script-config';
import { ensureServices } from '../scripts/lib/services';
import { cloneDatabase, databaseUrl, quoteIdent, serverUrl, withAdmin, type TestDatabase } from '#test/postgres';
import { redisUrl } from '#test/redis';
import { migrationsList } from '@jabba/domain/migrations';

const root = fileURLToPath(new URL('..', import.meta.url));
const secret = 'scripts-test-secret-0123456789-abcdefghij';
const usageHeading = 'Usage: npm run jabba -- <command> [options]';
/** Nothing listens here and it is not a loopback name ensureServices would try to start a service for. */
const closedPostgres = 'postgresql://postgres@127.0.0.2:1/jabba';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(script: string, args: string[], env: Record<string, string | undefined>): Promise<Run> {
  const fullEnv: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'development', LOG_LEVEL: 'silent', ...env };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete fullEnv[k];
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', script, ...args], { cwd: root, env: fullEnv, timeout: 50_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
    });
  });
}

const jabba = (args: string[], env: Record<string, string | undefined> = {}) =>
  run('scripts/cli.ts', args, { DATABASE_URL: db.url, AUTH_JWT_SECRET: secret, ...env });

let db: TestDatabase;
let sql: pg.Client;
beforeAll(async () => {
  db = await cloneDatabase(inject('templateDatabase'));
  sql = new pg.Client({ connectionString: db.url });
  await sql.connect();
});
afterAll(async () => {
  await sql.end();
  await db.drop();
});

describe('npm run jabba -- token', () => {
  it('prints only a JWT that the api verifies, carrying the user, client, scopes and lifetime', async () => {
    const [user, client] = [randomUUID(), randomUUID()];
    const before = Math.floor(Date.now() / 1000);
    const result = await jabba(['token', '--user', user, '--client', client, '--scope', 'device_registry:write  service_catalog:read', '--ttl', '120']);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    const token = await verifyAccessToken(secret, result.stdout.trim());
    expect(token.userId).toBe(user);
    expect(token.clientId).toBe(client);
    expect([...token.scopes]).toEqual(['device_registry:write', 'service_catalog:read']);
    // Signed at some second between `before` and `after`, for 120 s: however slow the process was
    // to start, the expiry lies in that window.
    const after = Math.ceil(Date.now() / 1000);
    const expires = token.expiresAt.getTime() / 1000;
    expect(expires).toBeGreaterThanOrEqual(before + 120);
    expect(expires).toBeLessThanOrEqual(after + 120);
  });

  it('signs with the development secret outside production and refuses without a secret in production', async () => {
    const args = ['token', '--user', randomUUID(), '--client', randomUUID(), '--scope', 'a'];
    const [development, production] = await Promise.all([
      jabba(args, { AUTH_JWT_SECRET: undefined }),
      jabba(args, { AUTH_JWT_SECRET: undefined, NODE_ENV: 'production' }),
    ]);
    expect(development.code).toBe(0);
    await expect(verifyAccessToken(developmentJwtSecret, development.stdout.trim())).resolves.toMatchObject({ scopes: new Set(['a']) });
    expect(production).toMatchObject({ code: 1, stdout: '' });
    expect(production.stderr).toContain('AUTH_JWT_SECRET is not set');
  });

  it('refuses the public development secret and a weak one in production', async () => {
    const args = ['token', '--user', randomUUID(), '--client', randomUUID(), '--scope', 'a'];
    const [development, weak] = await Promise.all([
      jabba(args, { AUTH_JWT_SECRET: developmentJwtSecret, NODE_ENV: 'production' }),
      jabba(args, { AUTH_JWT_SECRET: 'a'.repeat(40), NODE_ENV: 'production' }),
    ]);
    expect(development).toMatchObject({ code: 1, stdout: '' });
    expect(development.stderr).toContain('AUTH_JWT_SECRET is the public development secret, which anyone can sign tokens with');
    expect(weak).toMatchObject({ code: 1, stdout: '' });
    expect(weak.stderr).toContain('AUTH_JWT_SECRET is too weak');
  });
});

describe('npm run jabba -- client:add / role:add / dev:setup', () => {
  it('client:add writes the client and prints its id; the same --id updates it', async () => {
    const id = randomUUID();
    const created = await jabba(['client:add', '--name', 'Clinic 7', '--type', 'MIS', '--id', id, '--status', 'SUSPENDED', '--blocked']);
    expect(created).toMatchObject({ code: 0, stdout: `${id}\n` });
    const updated = await jabba(['client:add', '--name', 'Clinic 7b', '--type', 'NHS', '--id', id]);
    expect(updated).toMatchObject({ code: 0, stdout: `${id}\n` });
    const { rows } = await sql.query('select name, type, status, is_blocked from clients where id = $1', [id]);
    expect(rows).toEqual([{ name: 'Clinic 7b', type: 'NHS', status: 'ACTIVE', is_blocked: false }]);
  });

  it('role:add grants the role once, and refuses a client that does not exist', async () => {
    const [client, user] = [randomUUID(), randomUUID()];
    await sql.query(`insert into clients (id, name, type) values ($1, 'Reviewers', 'NHS')`, [client]);
    const [granted, unknown] = await Promise.all([
      jabba(['role:add', '--user', user, '--client', client, '--role', 'NHS_REVIEWER']),
      jabba(['role:add', '--user', user, '--client', randomUUID(), '--role', 'NHS_REVIEWER']),
    ]);
    expect(granted.code).toBe(0);
    const { rows } = await sql.query('select client_id, role from user_roles where user_id = $1', [user]);
    expect(rows).toEqual([{ client_id: client, role: 'NHS_REVIEWER' }]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/client [0-9a-f-]{36} does not exist/);
  });

  it('dev:setup is idempotent and prints a token for the development client with every scope', async () => {
    const first = await jabba(['dev:setup']);
    const second = await jabba(['dev:setup', '--ttl', '60']);
    expect([first.code, second.code]).toEqual([0, 0]);
    const token = await verifyAccessToken(secret, second.stdout.trim());
    expect(token.scopes).toContain('device_registry:write');
    expect(token.scopes).toContain('merge_candidate:assign');
    expect(token.scopes).toContain('queues:read');
    expect(second.stderr).toContain('/graphql');
    const { rows } = await sql.query(
      `select c.type, c.status, count(r.*)::int as roles from clients c left join user_roles r on r.client_id = c.id and r.user_id = $2
       where c.id = $1 group by c.id`,
      [token.clientId, token.userId],
    );
    expect(rows).toEqual([{ type: 'NHS', status: 'ACTIVE', roles: 1 }]);
  });
});

// Seven tsx start-ups at once take over 15 s each on a loaded 2-core machine: the limits leave room.
describe.concurrent('npm run jabba -- bad usage', { timeout: 60_000 }, () => {
  it.each([
    [[], 'no command given'],
    [['frobnicate'], 'unknown command "frobnicate"'],
    [['client:add', '--name', 'X'], '--type is required'],
    [['client:add', '--name', 'X', '--type', 'HOSPITAL'], '--type: Invalid option'],
    [['role:add', '--user', 'me', '--client', randomUUID(), '--role', 'NHS_REVIEWER'], '--user: Invalid UUID'],
    [['token', '--user', randomUUID(), '--client', randomUUID(), '--scope', 'a', '--ttl', '0'], '--ttl:'],
    [['token', '--bogus'], "Unknown option '--bogus'"],
  ])('%j exits 2 with the usage text, before touching the database', async (args, message) => {
    // A closed database port: a command that got as far as connecting would exit 1, not 2.
    const result = await jabba(args, { DATABASE_URL: closedPostgres });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(message);
    expect(result.stderr).toContain(usageHeading);
  });
});

describe('npm run migrate', () => {
  it('creates a missing database, applies the migrations, then reports it up to date', async () => {
    const name = `${inject('templateDatabase').replace(/^jabba_tpl_/, 'jabba_t_')}_mig${randomBytes(3).toString('hex')}`;
    try {
      const first = await run('scripts/migrate.ts', [], { DATABASE_URL: databaseUrl(name) });
      expect(first.code).toBe(0);
      expect(first.stdout).toContain(`applied ${migrationsList.length} migration(s)`);
      for (const { name: migration } of migrationsList) expect(first.stdout).toContain(migration);
      expect(first.stdout + first.stderr).not.toContain('[migrator]');
      const second = await run('scripts/migrate.ts', [], { DATABASE_URL: databaseUrl(name) });
      expect(second).toMatchObject({ code: 0, stdout: expect.stringContaining('is up to date') });
    } finally {
      await withAdmin((c) => c.query(`drop database if exists ${quoteIdent(name)} with (force)`));
    }
  });
});

describe('DATABASE_DIRECT_URL (Postgres itself, when DATABASE_URL is PgBouncer)', () => {
  it('defaults to DATABASE_URL, and must be a postgres URL', () => {
    expect(directDatabaseUrl(readScriptEnv({ DATABASE_URL: 'postgresql://pool:6432/jabba' }))).toBe('postgresql://pool:6432/jabba');
    expect(directDatabaseUrl(readScriptEnv({ DATABASE_URL: 'postgresql://pool:6432/jabba', DATABASE_DIRECT_URL: 'postgres://db:5432/jabba' }))).toBe('postgres://db:5432/jabba');
    expect(() => readScriptEnv({ DATABASE_DIRECT_URL: 'redis://db:5432/jabba' })).toThrow(/DATABASE_DIRECT_URL: /);
  });

  it('is where npm run migrate creates and migrates the database, whatever DATABASE_URL says', async () => {
    const name = `${inject('templateDatabase').replace(/^jabba_tpl_/, 'jabba_t_')}_dir${randomBytes(3).toString('hex')}`;
    try {
      // Nothing listens at DATABASE_URL: a migration that went there would fail.
      const result = await run('scripts/migrate.ts', [], { DATABASE_URL: closedPostgres, DATABASE_DIRECT_URL: databaseUrl(name) });
      expect(result.stderr).not.toContain('migrate failed');
      expect(result).toMatchObject({ code: 0, stdout: expect.stringContaining(`applied ${migrationsList.length} migration(s) to 127.0.0.1:`) });
    } finally {
      await withAdmin((c) => c.query(`drop database if exists ${quoteIdent(name)} with (force)`));
    }
  });
});

describe('ensureServices', () => {
  it('resolves when Postgres and Redis answer', async () => {
    const log = vi.fn();
    await ensureServices({ databaseUrl: `${serverUrl}/postgres`, redisUrl }, log);
    expect(log).not.toHaveBeenCalled();
  });

  it('rejects with one sentence naming what to run, without trying to start a remote service', async () => {
    const log = vi.fn();
    await expect(ensureServices({ databaseUrl: closedPostgres, redisUrl }, log)).rejects.toThrow(
      'PostgreSQL is not reachable at 127.0.0.2:1; start it (e.g. `pg_ctlcluster 15 main start`), or run `docker compose up -d postgres` and set DATABASE_URL=postgresql://postgres:postgres@127.0.0.1:5433/jabba.',
    );
    await expect(ensureServices({ databaseUrl: `${serverUrl}/postgres`, redisUrl: 'redis://127.0.0.2:1' }, log)).rejects.toThrow(
      /^Redis is not reachable at 127\.0\.0\.2:1; start it .*, or run `docker compose up -d redis` and set REDIS_URL=redis:\/\/127\.0\.0\.1:6380\.$/,
    );
    expect(log).not.toHaveBeenCalled();
  });
});
