/**
 * A PgBouncer of a test's own, in transaction pooling mode, on a free loopback port in front of a
 * Postgres: what production puts between many api and worker processes and one database. Every
 * database of that Postgres is reachable through it under its own name. PgBouncer is installed with
 * apt-get when it is missing, as scripts/lib/services.ts installs Postgres and Redis.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { chmod, chown, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from './private-services';
import { waitFor } from './wait-for';

const run = promisify(execFile);
const binary = '/usr/sbin/pgbouncer';
const isRoot = (): boolean => process.getuid?.() === 0;

export interface PgBouncer {
  port: number;
  /** `postgresql://postgres@127.0.0.1:<port>/<database>`: the database, through PgBouncer. */
  databaseUrl(database: string): string;
  /** A row of `SHOW POOLS` (PgBouncer's admin console) for `database`. */
  pool(database: string): Promise<PoolRow | undefined>;
  /** Totals of `SHOW STATS` for `database`: transactions and statements PgBouncer passed on. */
  stats(database: string): Promise<{ transactions: number; queries: number } | undefined>;
  /** PgBouncer's own log, to quote when a test fails. */
  log(): Promise<string>;
  stop(): Promise<void>;
}

export interface PoolRow {
  cl_active: number;
  cl_waiting: number;
  sv_active: number;
  sv_idle: number;
  maxwait: number;
}

async function ensureInstalled(): Promise<void> {
  if (existsSync(binary)) return;
  if (!isRoot()) throw new Error(`${binary} is missing: apt-get install -y pgbouncer`);
  await run('sh', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pgbouncer'], { timeout: 300_000 });
}

export interface PgBouncerOptions {
  /** The Postgres behind it. */
  postgresPort: number;
  /**
   * Server connections per database and user. Fewer than the clients' pools add up to: in
   * transaction mode they take turns; in session mode a client beyond them would wait for ever.
   */
  poolSize: number;
}

export async function startPgBouncer({ postgresPort, poolSize }: PgBouncerOptions): Promise<PgBouncer> {
  await ensureInstalled();
  const dir = await mkdtemp(path.join(tmpdir(), 'jabba-pgbouncer-'));
  const port = await freePort();
  const file = (name: string) => path.join(dir, name);
  await writeFile(file('userlist.txt'), '"postgres" ""\n');
  await writeFile(file('pgbouncer.ini'), [
    '[databases]',
    `* = host=127.0.0.1 port=${postgresPort}`,
    '[pgbouncer]',
    'listen_addr = 127.0.0.1',
    `listen_port = ${port}`,
    'unix_socket_dir =',
    'auth_type = trust',
    `auth_file = ${file('userlist.txt')}`,
    'admin_users = postgres',
    'pool_mode = transaction',
    `default_pool_size = ${poolSize}`,
    'max_client_conn = 1000',
    // JDBC and others send it at connect; the apps do not. The api's session timeouts are startup
    // parameters too: they are deliberately not listed, so an api still sending them is refused
    // loudly instead of running without them (README: PgBouncer).
    'ignore_startup_parameters = extra_float_digits',
    // SHOW STATS totals move every stats_period seconds (60 by default): a test reads them sooner.
    'stats_period = 1',
    `logfile = ${file('pgbouncer.log')}`,
    `pidfile = ${file('pgbouncer.pid')}`,
  ].join('\n'));
  // PgBouncer refuses to run as root: as root, it runs as the `postgres` user, who must write here.
  if (isRoot()) {
    const [{ stdout: uid }, { stdout: gid }] = await Promise.all([run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])]);
    for (const name of ['', 'userlist.txt', 'pgbouncer.ini']) await chown(file(name), Number(uid.trim()), Number(gid.trim()));
  }
  await chmod(dir, 0o700);
  const server: ChildProcess = spawn(binary, [...(isRoot() ? ['-u', 'postgres'] : []), '-q', file('pgbouncer.ini')], { stdio: 'ignore' });
  const exited = once(server, 'exit');
  const url = (database: string) => `postgresql://postgres@127.0.0.1:${port}/${database}`;

  const admin = async <R>(query: string): Promise<R[]> => {
    // The admin console speaks the simple query protocol only; pg uses it for a query without values.
    const client = new pg.Client({ connectionString: url('pgbouncer') });
    await client.connect();
    try {
      return (await client.query(query)).rows as R[];
    } finally {
      await client.end();
    }
  };
  const log = () => readFile(file('pgbouncer.log'), 'utf8').catch(() => '');
  await waitFor(async () => (await admin<{ version: string }>('SHOW VERSION')).length === 1, {
    timeout: 10_000, interval: 50, what: `pgbouncer on ${port}`,
  }).catch(async (error: unknown) => {
    server.kill('SIGKILL');
    throw new Error(`${(error as Error).message}\n${await log()}`);
  });

  const number = (value: unknown): number => Number(value ?? 0);
  return {
    port,
    databaseUrl: url,
    async pool(database) {
      const row = (await admin<Record<string, unknown>>('SHOW POOLS')).find((r) => r.database === database);
      return row && {
        cl_active: number(row.cl_active), cl_waiting: number(row.cl_waiting),
        sv_active: number(row.sv_active), sv_idle: number(row.sv_idle), maxwait: number(row.maxwait),
      };
    },
    async stats(database) {
      const row = (await admin<Record<string, unknown>>('SHOW STATS')).find((r) => r.database === database);
      return row && { transactions: number(row.total_xact_count), queries: number(row.total_query_count) };
    },
    log,
    async stop() {
      if (server.exitCode === null && server.signalCode === null) {
        // SIGINT would wait for every client to go; the platform has stopped, nothing is lost.
        server.kill('SIGTERM');
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
