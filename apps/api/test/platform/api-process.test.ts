/** The api as a real process: ready when its services are, UNAUTHENTICATED without a token, clean exit. */
import { once } from 'node:events';
import { Agent, request, type IncomingHttpHeaders } from 'node:http';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { cloneDatabase, type TestDatabase } from '#test/postgres';
import { startApp } from '#test/process';
import { redisUrl } from '#test/redis';
import { waitFor } from '#test/wait-for';
import { developmentJwtSecret } from '@jabba/domain/identity';

/** A GET with node:http, which shows the hop-by-hop headers (Keep-Alive) that fetch may hide; the body is read. */
function get(url: string, agent: Agent): Promise<{ headers: IncomingHttpHeaders; socket: Socket }> {
  return new Promise((resolve, reject) => {
    request(url, { agent }, (response) => {
      // Taken now: once the body has been read, the socket goes back to the agent and leaves the response.
      const { socket } = response;
      response.resume();
      response.once('end', () => resolve({ headers: response.headers, socket }));
    }).once('error', reject).end();
  });
}

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
      // Above a load balancer's usual 60 s idle timeout (issue 11): Node's own default is 5 s.
      const agent = new Agent({ keepAlive: true });
      expect((await get(`${base}/health`, agent)).headers['keep-alive']).toBe('timeout=65');
      agent.destroy();
    } finally {
      api.child.kill('SIGTERM');
    }
    const [code] = await api.exit;
    expect(code).toBe(0);
  });

  it('ends open event streams on SIGTERM instead of waiting on them, and exits 0', async () => {
    const api = startApp('apps/api/src/main.ts', { DATABASE_URL: db.url, REDIS_URL: redisUrl, PORT: '0', LOG_LEVEL: 'info', NODE_ENV: 'development', SHUTDOWN_TIMEOUT_MS: '10000' });
    let closedAt = 0;
    try {
      const port = await waitFor(() => /api listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(api.output())?.[1], { timeout: 15_000, what: 'api to listen' });
      const base = `http://127.0.0.1:${port}`;
      const { token } = (await (await fetch(`${base}/v1/dev/sign-in`, { method: 'POST' })).json()) as { token: string };
      const headers = { Authorization: `Bearer ${token}` };
      // No worker runs: the job stays PENDING and its stream open.
      const csv = 'classification_type,manufacturer_name,manufacturer_country,model_number,packaging_type,packaging_count,packaging_unit,is_active,device_names.name,device_names.type\n'
        + 'IIa,Acme,UA,M-1,box,10,piece,true,Thermometer,USER_PROVIDED\n';
      const upload = await fetch(`${base}/v1/device-registry-jobs?registerType=MEDICAL_DEVICE&reasonDescription=x`, {
        method: 'POST', headers: { ...headers, 'Content-Type': 'text/csv' }, body: csv,
      });
      expect(upload.status).toBe(202);
      const { databaseId } = (await upload.json()) as { databaseId: string };
      const streams = await Promise.all([1, 2].map(() => fetch(`${base}/v1/jobs/${databaseId}/events`, { headers })));
      const ended = streams.map(async (response) => {
        const text = await response.text();
        closedAt = Date.now();
        return text;
      });
      const texts = Promise.all(ended);
      await waitFor(() => api.output().includes('"path":"/v1/jobs/'), { what: 'the streams to start' });
      const signalled = Date.now();
      api.child.kill('SIGTERM');
      for (const text of await texts) expect(text).toMatch(/^id: [0-9a-f]{16}\nevent: progress\ndata: \{.*"status":"PENDING"/);
      expect(closedAt - signalled).toBeLessThan(5000);
    } finally {
      // A second SIGTERM would force exit 1.
      if (api.child.signalCode === null && !api.child.killed) api.child.kill('SIGTERM');
    }
    const [code] = await api.exit;
    expect(code).toBe(0);
    expect(api.output()).toContain('"step":"event streams"');
  });

  it('closes an idle keep-alive connection after HTTP_KEEP_ALIVE_TIMEOUT_MS', async () => {
    const api = startApp('apps/api/src/main.ts', { DATABASE_URL: db.url, REDIS_URL: redisUrl, PORT: '0', LOG_LEVEL: 'info', HTTP_KEEP_ALIVE_TIMEOUT_MS: '1000' });
    try {
      const port = await waitFor(() => /api listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(api.output())?.[1], { timeout: 15_000, what: 'api to listen' });
      // A raw socket: an http.Agent would close or reuse the connection on its own.
      const socket = connect(Number(port), '127.0.0.1');
      let received = '';
      socket.on('data', (data: Buffer) => (received += data.toString()));
      const closed = once(socket, 'close');
      socket.write('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
      await waitFor(() => received.endsWith('{"status":"ok"}'), { what: 'the response' });
      const idleSince = Date.now();
      expect(received).toMatch(/\r\nKeep-Alive: timeout=1\r\n/i);
      await closed;
      expect(Date.now() - idleSince).toBeGreaterThanOrEqual(900);
    } finally {
      api.child.kill('SIGTERM');
    }
    await api.exit;
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
