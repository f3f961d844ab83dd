/**
 * Makes sure Postgres and Redis answer before the platform or the tests start. On a development or
 * CI machine with the Debian packages it starts them (installing them if missing and we are root);
 * anywhere else it stops with one sentence saying what to run.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { connect } from 'node:net';
import pg from 'pg';

export interface ServiceUrls {
  databaseUrl: string;
  redisUrl: string;
}

type Log = (message: string) => void;

const localHosts = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

function endpoint(url: string, defaultPort: number): { host: string; port: number } {
  const u = new URL(url);
  return { host: u.hostname || '127.0.0.1', port: Number(u.port || defaultPort) };
}

export function isReachable(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: host.replace(/^\[|\]$/g, ''), port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

const has = (command: string): boolean => {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

const isRoot = (): boolean => process.getuid?.() === 0;

function aptInstall(pkg: string, log: Log): boolean {
  if (!isRoot() || !has('apt-get')) return false;
  log(`installing ${pkg} with apt-get`);
  execFileSync('sh', ['-c', `apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${pkg}`], { stdio: 'inherit' });
  return true;
}

const clusterRunning = (version: string): boolean => {
  try {
    execFileSync('pg_ctlcluster', [version, 'main', 'status'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

function startPostgres(log: Log): boolean {
  if (!existsSync('/etc/postgresql') && !aptInstall('postgresql', log)) return false;
  if (!has('pg_ctlcluster')) return false;
  for (const version of readdirSync('/etc/postgresql')) {
    // The package's postinst may already have started the cluster, and `start` on a running
    // cluster exits non-zero, which would read as "could not start".
    if (clusterRunning(version)) continue;
    log(`starting PostgreSQL ${version}`);
    execFileSync('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'start'], { stdio: 'inherit' });
  }
  return true;
}

function startRedis(port: number, log: Log): boolean {
  if (!has('redis-server') && !aptInstall('redis-server', log)) return false;
  log('starting redis-server');
  execFileSync('redis-server', ['--daemonize', 'yes', '--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no'], { stdio: 'inherit' });
  return true;
}

async function waitReachable(host: string, port: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await isReachable(host, port)) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

async function ensureOne(name: string, url: string, defaultPort: number, start: (port: number) => boolean, log: Log, hint: string) {
  const { host, port } = endpoint(url, defaultPort);
  if (await isReachable(host, port)) return;
  let started = false;
  if (localHosts.has(host)) {
    try {
      started = start(port);
    } catch (error) {
      log(`could not start ${name}: ${(error as Error).message}`);
    }
  }
  if (!started || !(await waitReachable(host, port, 20_000))) {
    throw new Error(`${name} is not reachable at ${host}:${port}; ${hint}`);
  }
}

const defaultLog: Log = (m) => console.error(`[services] ${m}`);

/** For commands that need only the database (migrate, the CLI). */
export const ensurePostgres = (databaseUrl: string, log: Log = defaultLog): Promise<void> =>
  ensureOne('PostgreSQL', databaseUrl, 5432, () => startPostgres(log), log,
    'start it (e.g. `pg_ctlcluster 15 main start`), or run `docker compose up -d postgres` and set DATABASE_URL=postgresql://postgres:postgres@127.0.0.1:5433/jabba.');

export const ensureRedis = (redisUrl: string, log: Log = defaultLog): Promise<void> =>
  ensureOne('Redis', redisUrl, 6379, (port) => startRedis(port, log), log,
    'start it (e.g. `redis-server --daemonize yes`), or run `docker compose up -d redis` and set REDIS_URL=redis://127.0.0.1:6380.');

export async function ensureServices(urls: ServiceUrls, log: Log = defaultLog): Promise<void> {
  await ensurePostgres(urls.databaseUrl, log);
  await ensureRedis(urls.redisUrl, log);
}

/** Creates the database named in `databaseUrl` when it does not exist yet. */
export async function ensureDatabase(databaseUrl: string, log: Log = defaultLog): Promise<void> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.replace(/^\//, ''));
  url.pathname = '/postgres';
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (rowCount === 0) {
      log(`creating database ${name}`);
      try {
        await client.query(`create database "${name.replaceAll('"', '""')}"`);
      } catch (error) {
        // 42P04 duplicate_database: another process (a second CLI, the compose migrate) won the race.
        if ((error as { code?: string }).code !== '42P04') throw error;
      }
    }
  } finally {
    await client.end();
  }
}
