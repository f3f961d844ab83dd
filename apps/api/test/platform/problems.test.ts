import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HTTPException } from 'hono/http-exception';
import { DomainError } from '@jabba/domain/platform';
import { requireActiveClient, requireScope } from '@jabba/domain/identity';
import { createTestApi, type TestApi } from '../support';

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const problemJson = 'application/problem+json';

describe('request ids and problem responses', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await createTestApi();
    // Routes that exist only in this test, to reach the error handler the way real routes will.
    api.app.get('/test/conflict', () => {
      throw new DomainError('CONFLICT', 'new request is already present');
    });
    api.app.get('/test/destination-state', () => {
      throw new DomainError('UNPROCESSABLE_ENTITY', 'Destination 3f0c… has the wrong state for this operation.', {
        problemType: 'https://schema.fitko.de/fit-connect/submission-api/problems/destination-state-invalid',
        problemTitle: 'Destination State invalid',
      });
    });
    api.app.get('/test/bug', () => {
      throw new Error('password=hunter2 leaked in a stack');
    });
    api.app.get('/test/too-large', () => {
      throw new HTTPException(413, { message: 'Body exceeds 10 MiB' });
    });
    api.app.get('/test/guarded', async (c) => {
      const principal = await c.var.requestContext.authorize([requireScope('device_registry_job:read'), requireActiveClient()]);
      return c.json({ clientId: principal.client.id });
    });
  });

  afterAll(() => api.close());

  it('generates a uuid request id when none is sent', async () => {
    const response = await api.app.request('/health');
    expect(response.headers.get('x-request-id')).toMatch(uuid);
  });

  it('echoes an acceptable incoming X-Request-Id', async () => {
    const response = await api.app.request('/health', { headers: { 'X-Request-Id': 'gw-42.retry_1' } });
    expect(response.headers.get('x-request-id')).toBe('gw-42.retry_1');
  });

  it('replaces an incoming X-Request-Id that could inject into logs or headers', async () => {
    for (const bad of ['a b', 'x'.repeat(129), 'id;drop', 'a/../b', '']) {
      const response = await api.app.request('/health', { headers: { 'X-Request-Id': bad } });
      expect(response.headers.get('x-request-id')).toMatch(uuid);
    }
  });

  it('answers an unknown route with a 404 problem carrying the request id', async () => {
    const response = await api.app.request('/nope?x=1', { headers: { 'X-Request-Id': 'req-404' } });
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toBe(problemJson);
    expect(response.headers.get('x-request-id')).toBe('req-404');
    expect(await response.json()).toEqual({
      type: 'about:blank',
      title: 'Not Found',
      status: 404,
      detail: 'No route for GET /nope',
      requestId: 'req-404',
    });
  });

  it('maps a DomainError to its status and a problem type named after its code', async () => {
    const response = await api.app.request('/test/conflict', { headers: { 'X-Request-Id': 'req-409' } });
    expect(response.status).toBe(409);
    expect(response.headers.get('content-type')).toBe(problemJson);
    expect(response.headers.get('x-request-id')).toBe('req-409');
    expect(await response.json()).toEqual({
      type: '/problems/conflict',
      title: 'Conflict',
      status: 409,
      detail: 'new request is already present',
      requestId: 'req-409',
    });
  });

  it('keeps a contractual problem type and title from the error details', async () => {
    const response = await api.app.request('/test/destination-state');
    expect(response.status).toBe(422);
    expect(await response.json()).toMatchObject({
      type: 'https://schema.fitko.de/fit-connect/submission-api/problems/destination-state-invalid',
      title: 'Destination State invalid',
      status: 422,
    });
  });

  it('masks an unexpected error as a 500 without its message', async () => {
    const response = await api.app.request('/test/bug');
    expect(response.status).toBe(500);
    expect(response.headers.get('x-request-id')).toMatch(uuid);
    const text = await response.text();
    expect(text).not.toContain('hunter2');
    expect(JSON.parse(text)).toMatchObject({ type: 'about:blank', title: 'Internal Server Error', status: 500 });
  });

  it('turns a framework HTTPException into a problem with its status', async () => {
    const response = await api.app.request('/test/too-large');
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ type: 'about:blank', title: 'Content Too Large', detail: 'Body exceeds 10 MiB' });
  });

  describe('authentication through the request context', () => {
    it('is 401 "Invalid access token" without a token', async () => {
      const response = await api.app.request('/test/guarded');
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({
        type: '/problems/unauthenticated',
        title: 'Unauthorized',
        detail: 'Invalid access token',
      });
    });

    it('is 403 with missingAllowances when the scope is missing', async () => {
      const { headers } = await api.caller({ scopes: ['device_registry:write'] });
      const response = await api.app.request('/test/guarded', { headers });
      expect(response.status).toBe(403);
      expect(await response.json()).toMatchObject({
        type: '/problems/forbidden',
        detail: 'Your scope does not allow to access this resource. Missing allowances: device_registry_job:read',
        missingAllowances: ['device_registry_job:read'],
      });
    });

    it('passes the principal to the route when every check passes', async () => {
      const { headers, client } = await api.caller({ scopes: ['device_registry_job:read'] });
      const response = await api.app.request('/test/guarded', { headers });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ clientId: client.id });
    });
  });
});
