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
  it('serves /health, /ready and /metrics on WORKER_METRICS_PORT; SIGTERM closes them and stops it gracefully with exit code 0', async () => {
    const worker = startWorkerProcess({ WORKER_METRICS_PORT: '0' });
    const port = await waitFor(() => /worker metrics on http:\/\/127\.0\.0\.1:(\d+)\/metrics/.exec(worker.output())?.[1], { timeout: 15_000, what: 'metrics to listen' });
    await waitFor(() => worker.output().includes('"msg":"worker running"'), { timeout: 15_000, what: 'worker to start' });
    const base = `http://127.0.0.1:${port}`;
    expect(await (await fetch(`${base}/health`)).json()).toEqual({ status: 'ok' });
    expect(await (await fetch(`${base}/ready`)).json()).toEqual({ status: 'ready', postgres: 'ok', redis: 'ok' });
    const metrics = await (await fetch(`${base}/metrics`)).text();
    // The reconcile pass at start has run (and the scheduler's first run may have too).
    expect(metrics).toMatch(/^jabba_worker_reconcile_runs_total [12]$/m);
    expect(metrics).toMatch(/^jabba_worker_chunks_reenqueued_total 0$/m);
    expect((await fetch(`${base}/metrics`, { method: 'POST' })).status).toBe(405);

    worker.child.kill('SIGTERM');
    const [code] = await worker.exit;
    expect(code).toBe(0);
    expect(worker.output()).toContain('"msg":"shutting down"');
    expect(worker.output()).toContain('"step":"close the metrics server"');
    expect(worker.output()).toContain('"step":"close redis"');
    await expect(fetch(`${base}/health`)).rejects.toThrow('fetch failed');
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
