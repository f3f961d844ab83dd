/**
 * `npm start` as a developer runs it (scripts/start.ts, on the shared Postgres and Redis): a worker
 * that crashes is restarted with a log line saying which, how and when, while the api keeps
 * running; Ctrl-C then stops the api, the new worker and the script itself.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ensureConsoleBuilt } from '../scripts/lib/console-build';
import { cloneDatabase, type TestDatabase } from '#test/postgres';
import { freePort } from '#test/private-services';
import { redisUrl, testPrefix } from '#test/redis';
import { waitFor } from '#test/wait-for';

const root = fileURLToPath(new URL('..', import.meta.url));
// Three tsx starts (the script, the api, the worker) on a loaded 2-core machine.
const slow = { timeout: 60_000, interval: 100 };

let db: TestDatabase;
let start: ChildProcess | undefined;
let output = '';

beforeAll(async () => {
  db = await cloneDatabase(inject('templateDatabase'));
  // Built now (or found fresh), so start.ts does not spend the test's time building it.
  await ensureConsoleBuilt();
}, 180_000);

afterAll(async () => {
  if (start && start.exitCode === null && start.signalCode === null) {
    start.kill('SIGKILL');
    await once(start, 'exit');
  }
  await db.drop();
});

/** The children of `pid` with their command lines. */
async function childrenOf(pid: number): Promise<{ pid: number; args: string }[]> {
  const { stdout } = await promisify(execFile)('ps', ['-o', 'pid=,args=', '--ppid', String(pid)]).catch(() => ({ stdout: '' }));
  return stdout.trim().split('\n').filter(Boolean).map((line) => {
    const [, id, args] = /^\s*(\d+)\s+(.*)$/.exec(line)!;
    return { pid: Number(id), args: args! };
  });
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const answers = async (url: string): Promise<boolean> => (await fetch(url, { signal: AbortSignal.timeout(2000) }).catch(() => null))?.ok === true;

describe('npm start', () => {
  it('restarts a SIGKILLed worker with a log line, keeps the api, and stops everything on SIGINT', async () => {
    const [port, metricsPort] = [await freePort(), await freePort()];
    const env = {
      ...process.env, NODE_ENV: 'development', DATABASE_URL: db.url, REDIS_URL: redisUrl, QUEUE_PREFIX: testPrefix(),
      PORT: String(port), WORKER_METRICS_PORT: String(metricsPort), LOG_FORMAT: 'json', LOG_LEVEL: 'info',
    };
    const script = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    start = script;
    script.stdout.on('data', (d: Buffer) => (output += d.toString()));
    script.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = once(script, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;

    await waitFor(() => output.includes('Jabba is running'), { ...slow, what: 'the banner' });
    const children = await childrenOf(script.pid!);
    const api = children.find((c) => c.args.includes('apps/api/src/main.ts'))!;
    const worker = children.find((c) => c.args.includes('apps/worker/src/main.ts'))!;
    expect([api, worker].every(Boolean), JSON.stringify(children)).toBe(true);
    await waitFor(() => answers(`http://127.0.0.1:${metricsPort}/ready`), { ...slow, what: 'the worker ready' });

    process.kill(worker.pid, 'SIGKILL');
    // Without restarts the script stops the platform and exits: fail then, with what it said.
    const restarted = await waitFor(() => /\[start\] worker restarted \(pid (\d+)\)/.exec(output)?.[1] ?? (script.exitCode !== null ? 'exited' : undefined), { ...slow, what: 'the restart line' });
    expect(restarted, output).not.toBe('exited');
    expect(output).toMatch(/\[start\] worker exited unexpectedly \(signal SIGKILL\) after [\d.]+ s; restarting it in 1 s \(crash 1 in a row\)\n/);
    const newWorker = Number(restarted);
    expect(newWorker).not.toBe(worker.pid);
    // The apps' log lines carry no pid: the new worker's is the "running" line after the restart line.
    const restartAt = output.indexOf('[start] worker restarted');
    await waitFor(() => output.indexOf('"msg":"worker running"', restartAt) > restartAt, { ...slow, what: 'the new worker running' });
    expect(alive(newWorker)).toBe(true);
    await waitFor(() => answers(`http://127.0.0.1:${metricsPort}/ready`), { ...slow, what: 'the new worker ready' });
    // The api was not touched: the same process answers.
    expect(alive(api.pid)).toBe(true);
    expect(await answers(`http://127.0.0.1:${port}/ready`)).toBe(true);
    expect(output).not.toContain('[start] api exited');

    script.kill('SIGINT');
    const [code] = await exited;
    expect(code).toBe(0);
    expect(output).toContain('[start] SIGINT: stopping api and worker');
    expect(alive(api.pid) || alive(newWorker)).toBe(false);
  }, 150_000);
});
