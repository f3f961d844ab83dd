/** The api as a real process: ready when its services are, UNAUTHENTICATED without a token, clean exit. */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { cloneDatabase, type TestDatabase } from '#test/postgres';
import { startApp } from '#test/process';
import { redisUrl } from '#test/redis';
import { waitFor } from '#test/wait-for';
import { developmentJwtSecret } from '@jabba/domain/identity';

let db: TestDatabase;
beforeAll(async () => { db = await cloneDatabase(inject('templateDatabase')); });
afterAll(() => db.drop());

describe('api process', () => {
  it('serves /ready and GraphQL, then stops on SIGTERM with exit code 0', async () => {
    const api = startApp('apps/api/src/main.ts', { DATABASE_URL: db.url, REDIS_URL: redisUrl, PORT: '0', LOG_LEVEL: 'info', NODE_ENV: 'development' });
    try {
      const port = await waitFor(() => /api listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(api.output())?.[1], { timeout: 15_000, what: 'api to listen' });
      const base = `http://127.0.0.1:${port}`;
      const ready = await fetch(`${base}/ready`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({ status: 'ready', postgres: 'ok', redis: 'ok' });

      const response = await fetch(`${base}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ node(id: "VGFzazowMDAwMDAwMC0wMDAwLTQwMDAtODAwMC0wMDAwMDAwMDAwMDA=") { id } }' }),
      });
      const body = (await response.json()) as { data: unknown; errors: { message: string; extensions: { code: string } }[]; extensions: { requestId: string } };
      expect(response.status).toBe(200);
      expect(body.data).toEqual({ node: null });
      expect(body.errors.map((e) => [e.message, e.extensions.code])).toEqual([['Invalid access token', 'UNAUTHENTICATED']]);
      expect(body.extensions.requestId).toBe(response.headers.get('x-request-id'));
    } finally {
      api.child.kill('SIGTERM');
    }
    const [code] = await api.exit;
    expect(code).toBe(0);
  });

  it('refuses to start in production with the public development secret, in one sentence, exit 1', async () => {
    const api = startApp('apps/api/src/main.ts', {
      DATABASE_URL: db.url, REDIS_URL: redisUrl, PORT: '0', NODE_ENV: 'production', AUTH_JWT_SECRET: developmentJwtSecret,
    });
    const [code] = await api.exit;
    expect(code).toBe(1);
    expect(api.output()).toContain('jabba api: cannot start. Invalid environment:');
    expect(api.output()).toContain('AUTH_JWT_SECRET: is the public development secret, which anyone can sign tokens with');
    expect(api.output()).not.toContain('api listening');
  });
});
