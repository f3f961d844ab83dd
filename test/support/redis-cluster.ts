/**
 * A Redis Cluster of a test's own on loopback: three masters and three replicas, each a
 * `redis-server --cluster-enabled yes` on free ports in a temporary directory, joined by
 * `redis-cli --cluster create`. A short node timeout makes a replica take over a killed master in
 * seconds. Nothing on disk survives a kill, as in a cluster run without persistence.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { freePort } from './private-services';
import { waitFor } from './wait-for';

const run = promisify(execFile);

/** ms without an answer before a node counts as failing; Redis's default is 15 s. */
const nodeTimeoutMs = 2000;

export interface PrivateRedisCluster {
  /** Every node as REDIS_CLUSTER_NODES wants them: `127.0.0.1:p1,127.0.0.1:p2,…`. */
  nodes: string;
  /** The port of the master serving `key`'s slot now, as a live node sees it. */
  masterOf(key: string): Promise<number>;
  /** The keys matching `pattern` that the node on `port` holds. */
  keysOn(port: number, pattern: string): Promise<string[]>;
  /** SIGKILL the node on `port`: it is gone, with what it held. */
  kill(port: number): Promise<void>;
  /** Until every live node says `cluster_state:ok` and `key`'s slot has a master other than `deadPort`; answers that master's port. */
  waitForFailover(key: string, deadPort: number): Promise<number>;
  stop(): Promise<void>;
}

/** One short-lived connection to a node, for an admin command; null if it does not answer. */
async function ask<T>(port: number, command: (client: Redis) => Promise<T>): Promise<T | null> {
  const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return await command(client);
  } catch {
    return null;
  } finally {
    client.disconnect();
  }
}

const clusterInfo = (port: number) => ask(port, (c) => c.cluster('INFO') as Promise<string>);

export async function startRedisCluster({ masters = 3 }: { masters?: number } = {}): Promise<PrivateRedisCluster> {
  const dir = await mkdtemp(path.join(tmpdir(), 'jabba-redis-cluster-'));
  const servers = new Map<number, ChildProcess>();
  const ports: number[] = [];
  for (let i = 0; i < masters * 2; i++) {
    // The bus port is given too: the default, port + 10000, may be taken or past 65535.
    const [port, busPort] = [await freePort(), await freePort()];
    const nodeDir = path.join(dir, String(port));
    await mkdir(nodeDir);
    servers.set(port, spawn('redis-server', [
      '--port', String(port), '--cluster-port', String(busPort), '--bind', '127.0.0.1',
      '--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', String(nodeTimeoutMs),
      '--dir', nodeDir, '--save', '', '--appendonly', 'no',
    ], { stdio: 'ignore' }));
    ports.push(port);
  }

  const live = () => ports.filter((p) => servers.get(p)?.exitCode === null && servers.get(p)?.signalCode === null);
  const kill = async (port: number): Promise<void> => {
    const server = servers.get(port);
    if (!server || server.exitCode !== null || server.signalCode !== null) return;
    const exited = once(server, 'exit');
    server.kill('SIGKILL');
    await exited;
  };
  const stop = async (): Promise<void> => {
    await Promise.all(ports.map(kill));
    await rm(dir, { recursive: true, force: true });
  };

  const slotsOf = async (key: string) => {
    for (const port of live()) {
      // CLUSTER SLOTS: [start, end, master, ...replicas], each node as [host, port, id, …].
      const answer = await ask(port, async (c) => ({ slot: await c.cluster('KEYSLOT', key), ranges: await c.cluster('SLOTS') }));
      if (answer) return answer;
    }
    return null;
  };
  const masterOf = async (key: string): Promise<number> => {
    const answer = await slotsOf(key);
    const range = answer?.ranges.find(([start, end]) => start <= answer.slot && answer.slot <= end);
    const master = range?.[2];
    if (!master) throw new Error(`no node serves the slot of ${key}`);
    return Number(master[1]);
  };

  try {
    await waitFor(async () => (await Promise.all(ports.map((p) => ask(p, (c) => c.ping())))).every((a) => a === 'PONG'),
      { timeout: 10_000, interval: 50, what: 'six redis-servers to answer' });
    await run('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '1', '--cluster-yes']);
    // Every node agrees the cluster is whole, and every replica has its master's data stream, so
    // that a replica can take over as soon as the test kills a master.
    await waitFor(async () => {
      const infos = await Promise.all(ports.map(clusterInfo));
      if (!infos.every((i) => i?.includes('cluster_state:ok'))) return false;
      const replication = await Promise.all(ports.map((p) => ask(p, (c) => c.info('replication'))));
      return replication.every((r) => r !== null && (r.includes('role:master') || r.includes('master_link_status:up')));
    }, { timeout: 30_000, interval: 100, what: 'the cluster to be ok' });
  } catch (error) {
    await stop();
    throw error;
  }

  return {
    nodes: ports.map((p) => `127.0.0.1:${p}`).join(','),
    masterOf,
    keysOn: async (port, pattern) => (await ask(port, (c) => c.keys(pattern))) ?? [],
    kill,
    async waitForFailover(key, deadPort) {
      return waitFor(async () => {
        const infos = await Promise.all(live().map(clusterInfo));
        if (!infos.every((i) => i?.includes('cluster_state:ok'))) return undefined;
        const master = await masterOf(key).catch(() => null);
        return master !== null && master !== deadPort ? master : undefined;
      }, { timeout: 30_000, interval: 100, what: `a replica to take over ${key}'s slot from the master on ${deadPort}` });
    },
    stop,
  };
}
