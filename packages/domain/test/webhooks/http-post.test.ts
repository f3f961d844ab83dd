/**
 * One POST on a short leash, against node:http servers of the test's own on 127.0.0.1: the SSRF
 * guard refuses loopback at connect time (literal and by name) before a byte is sent, redirects are
 * answered and not followed, a large answer is read only to the cap, a silent receiver times out.
 */
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maxResponseBytes, postJson } from '../../src/webhooks/http-post';

let server: Server;
let port: number;
const hits: string[] = [];
const routes: Record<string, RequestListener> = {
  '/ok': (_req, res) => res.writeHead(204).end(),
  '/redirect': (_req, res) => res.writeHead(302, { location: '/ok' }).end(),
  '/large': (_req, res) => {
    res.writeHead(500);
    res.write('x'.repeat(64 * 1024));
    // Never ends: the reader must stop at the cap by itself.
  },
  '/silent': () => undefined,
};

beforeAll(async () => {
  server = createServer((req, res) => {
    hits.push(req.url ?? '');
    req.resume();
    routes[req.url ?? '']?.(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const post = (path: string, { host = '127.0.0.1', allowPrivate = true, timeoutMs = 2000 } = {}) =>
  postJson(`http://${host}:${port}${path}`, '{}', {}, { allowPrivate, timeoutMs });

describe('postJson', () => {
  it('refuses a loopback address when private ones are not allowed, literal or resolved, without connecting', async () => {
    const before = hits.length;
    expect(await post('/ok', { allowPrivate: false })).toEqual({ error: '127.0.0.1 is not a public address (loopback)' });
    expect(await post('/ok', { host: '[::ffff:127.0.0.1]', allowPrivate: false })).toEqual({ error: '::ffff:7f00:1 is not a public address (loopback)' });
    expect(await post('/ok', { host: 'localhost', allowPrivate: false })).toEqual({ error: expect.stringMatching(/^localhost resolves to (127\.0\.0\.1|::1), which is not a public address \(loopback\)$/) as unknown });
    expect(hits.length).toBe(before);
  });

  it('delivers when private addresses are allowed', async () => {
    expect(await post('/ok')).toEqual({ status: 204, body: '' });
  });

  it('answers a redirect with its status and does not follow it', async () => {
    const before = hits.length;
    expect(await post('/redirect')).toEqual({ status: 302, body: '' });
    expect(hits.slice(before)).toEqual(['/redirect']);
  });

  it('reads at most the cap of a large answer', async () => {
    const answer = await post('/large');
    expect(answer).toEqual({ status: 500, body: 'x'.repeat(maxResponseBytes) });
  });

  it('gives up on a receiver that does not answer in time', async () => {
    expect(await post('/silent', { timeoutMs: 200 })).toEqual({ error: 'no answer within 200 ms' });
  });
});
