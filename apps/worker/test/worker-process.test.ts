/** The worker as a real process: how operators and `docker compose` run it. */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { cloneDatabase, type TestDatabase } from '#test/postgres';
import { redisUrl, testPrefix } from '#test/redis';
import { waitFor } from '#test/wait-for';

let db: TestDatabase;
beforeAll(async () => { db = await cloneDatabase(inject('templateDatabase')); });
afterAll(() => db.drop());

function startWorkerProcess(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'apps/worker/src/main.ts'], {
    env: { ...process.env, DATABASE_URL: db.url, REDIS_URL: redisUrl, QUEUE_PREFIX: testPrefix(), LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  return { child, output: () => output, exit: once(child, 'exit') as Promise<[number | null, string | null]> };
}

describe('worker process', () => {
  it('SIGTERM stops it gracefully with exit code 0', async () => {
    const worker = startWorkerProcess({});
    await waitFor(() => worker.output().includes('"msg":"worker running"'), { timeout: 15_000, what: 'worker to start' });
    worker.child.kill('SIGTERM');
    const [code] = await worker.exit;
    expect(code).toBe(0);
    expect(worker.output()).toContain('"msg":"shutting down"');
    expect(worker.output()).toContain('"step":"close redis"');
  });

  it('a bad environment stops it with a message naming the variable', async () => {
    const worker = startWorkerProcess({ WORKER_CONCURRENCY: 'lots', REDIS_URL: 'http://nope' });
    const [code] = await worker.exit;
    expect(code).toBe(1);
    expect(worker.output()).toMatch(/Invalid environment:[\s\S]*REDIS_URL[\s\S]*WORKER_CONCURRENCY/);
  });
});
