/** The worker as a real process: how operators and `docker compose` run it. */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { cloneDatabase, type TestDatabase } from '#test/postgres';
import { startApp } from '#test/process';
import { redisUrl, testPrefix } from '#test/redis';
import { waitFor } from '#test/wait-for';
import { developmentJwtSecret } from '@jabba/domain/identity';

let db: TestDatabase;
beforeAll(async () => { db = await cloneDatabase(inject('templateDatabase')); });
afterAll(() => db.drop());

const startWorkerProcess = (env: Record<string, string>) =>
  startApp('apps/worker/src/main.ts', { DATABASE_URL: db.url, REDIS_URL: redisUrl, QUEUE_PREFIX: testPrefix(), LOG_LEVEL: 'info', ...env });

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

  it('refuses to start in production with the public development secret, like the api', async () => {
    const worker = startWorkerProcess({ NODE_ENV: 'production', AUTH_JWT_SECRET: developmentJwtSecret });
    const [code] = await worker.exit;
    expect(code).toBe(1);
    expect(worker.output()).toContain('jabba worker: cannot start. Invalid environment:');
    expect(worker.output()).toContain('AUTH_JWT_SECRET: is the public development secret, which anyone can sign tokens with');
  });
});
