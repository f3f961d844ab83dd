/**
 * A PostgreSQL and a Redis of a test's own, for the tests that break them: restart Postgres, kill or
 * flush Redis. Started from the machine's own binaries on free loopback ports, in a temporary
 * directory, so the shared services every other test uses are never touched.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chmod, chown, mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { waitFor } from './wait-for';

const run = promisify(execFile);

/** A port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

async function postgresBin(name: string): Promise<string> {
  const versions = (await readdir('/usr/lib/postgresql')).sort((a, b) => Number(b) - Number(a));
  if (versions.length === 0) throw new Error('no /usr/lib/postgresql/<version>/bin: apt-get install -y postgresql');
  return path.join('/usr/lib/postgresql', versions[0]!, 'bin', name);
}

// initdb and postgres refuse to run as root: as root, they run as the `postgres` user.
const asPostgres = (bin: string, args: string[]): [string, string[]] =>
  process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];

export interface PrivatePostgres {
  port: number;
  /** The server's URL without a database name, like TEST_POSTGRES_URL. */
  serverUrl: string;
  databaseUrl(name: string): string;
  /** `pg_ctl restart -m <mode>`: every connection is dropped and the server comes back on the same port. */
  restart(mode?: 'fast' | 'immediate'): Promise<void>;
  /** `pg_ctl stop -m fast`, `during` runs while the server is down, then `pg_ctl start`. */
  downWhile<T>(during: () => Promise<T>): Promise<T>;
  stop(): Promise<void>;
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const dir = await mkdtemp(path.join(tmpdir(), 'jabba-pg-'));
  const dataDir = path.join(dir, 'data');
  if (process.getuid?.() === 0) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    await chown(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  await chmod(dir, 0o700);
  const port = await freePort();
  const pgCtl = await postgresBin('pg_ctl');
  await run(...asPostgres(await postgresBin('initdb'), ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']));
  // Durability is not what these tests prove; fsync off keeps a restart and an import quick.
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`;
  const ctl = (args: string[]) => run(...asPostgres(pgCtl, ['-D', dataDir, '-w', '-t', '30', '-o', options, '-l', path.join(dir, 'log'), ...args]));
  await ctl(['start']);
  const serverUrl = `postgresql://postgres@127.0.0.1:${port}`;
  return {
    port,
    serverUrl,
    databaseUrl: (name) => `${serverUrl}/${name}`,
    restart: async (mode = 'fast') => { await ctl(['restart', '-m', mode]); },
    async downWhile(during) {
      await ctl(['stop', '-m', 'fast']);
      try {
        return await during();
      } finally {
        await ctl(['start']);
      }
    },
    async stop() {
      await ctl(['stop', '-m', 'immediate']).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface PrivateRedis {
  port: number;
  url: string;
  /** SIGKILL: the server is gone, with everything it held. */
  kill(): Promise<void>;
  /** A fresh, empty server on the same port. */
  start(): Promise<void>;
  flushAll(): Promise<void>;
  stop(): Promise<void>;
}

export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  let server: ChildProcess | undefined;
  const start = async (): Promise<void> => {
    // Nothing on disk: a restart is an empty Redis, as after a crash without persistence.
    server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    await waitFor(async () => {
      const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      probe.on('error', () => undefined); // refused until the server listens: connect() rejects as well
      try {
        await probe.connect();
        return (await probe.ping()) === 'PONG';
      } finally {
        probe.disconnect();
      }
    }, { timeout: 10_000, interval: 50, what: `redis-server on ${port}` });
  };
  const kill = async (): Promise<void> => {
    const s = server;
    if (!s || s.exitCode !== null || s.signalCode !== null) return;
    const exited = once(s, 'exit');
    s.kill('SIGKILL');
    await exited;
  };
  await start();
  return {
    port,
    url,
    kill,
    start,
    async flushAll() {
      const client = new Redis(url, { maxRetriesPerRequest: 1 });
      await client.flushall();
      client.disconnect();
    },
    stop: kill,
  };
}
