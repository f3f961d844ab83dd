import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Redis } from 'ioredis';
import type { MikroORM } from '@mikro-orm/postgresql';
import { createOrm } from '@jabba/domain/platform';
import { cloneDatabase } from '#test/postgres';
import { createApp } from '../../src/app';
import { checkedApp, createTestApi, type TestApi } from '../support';

// Port 1 (tcpmux) is closed on any machine we run on: connections are refused at once.
const unreachableRedis = (options: { failFast: boolean }): Redis => {
  const redis = new Redis({
    host: '127.0.0.1',
    port: 1,
    lazyConnect: true,
    ...(options.failFast ? { maxRetriesPerRequest: 0, enableOfflineQueue: false } : { maxRetriesPerRequest: null }),
  });
  redis.on('error', () => undefined);
  return redis;
};

describe('health and readiness', () => {
  let api: TestApi;
  const opened: { redis: Redis[]; orms: MikroORM[] } = { redis: [], orms: [] };

  beforeAll(async () => {
    api = await createTestApi();
  });

  afterAll(async () => {
    for (const redis of opened.redis) redis.disconnect();
    for (const orm of opened.orms) await orm.close(true);
    await api.close();
  });

  it('GET /health answers without touching a dependency', async () => {
    const response = await api.app.request('/health');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('GET /ready is 200 when Postgres and Redis both answer', async () => {
    const response = await api.app.request('/ready');
    expect(await response.json()).toEqual({ status: 'ready', postgres: 'ok', redis: 'ok' });
    expect(response.status).toBe(200);
  });

  it('GET /ready is 503 naming Redis when Redis refuses connections', async () => {
    const redis = unreachableRedis({ failFast: true });
    opened.redis.push(redis);
    const app = checkedApp(createApp({ ...api.deps, redis }));

    const response = await app.request('/ready');

    expect(response.status).toBe(503);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    const body = await response.json();
    expect(body).toMatchObject({
      type: '/problems/not-ready',
      title: 'Service Unavailable',
      status: 503,
      detail: 'Not ready: redis failed.',
      checks: { postgres: 'ok', redis: 'failed' },
    });
    expect(body.requestId).toBe(response.headers.get('x-request-id'));
  });

  it('GET /ready gives up on a Redis that never answers after about a second', async () => {
    // maxRetriesPerRequest: null (what main uses) queues the PING forever while reconnecting.
    const redis = unreachableRedis({ failFast: false });
    opened.redis.push(redis);
    const app = checkedApp(createApp({ ...api.deps, redis }));

    const started = Date.now();
    const response = await app.request('/ready');

    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ checks: { postgres: 'ok', redis: 'timeout' } });
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('GET /ready is 503 naming Postgres when its database is gone', async () => {
    const database = await cloneDatabase(inject('templateDatabase'));
    const orm = await createOrm({ databaseUrl: database.url, poolSize: 1, logger: () => undefined });
    opened.orms.push(orm);
    await database.drop();
    const app = checkedApp(createApp({ ...api.deps, orm }));

    const response = await app.request('/ready');

    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({
      status: 503,
      detail: 'Not ready: postgres failed.',
      checks: { postgres: 'failed', redis: 'ok' },
    });
  });
});
