/**
 * `viewer` and `POST /v1/dev/sign-in` (issue 12): who the caller is, and the development identity's
 * token without the CLI — the very identity `dev:setup` makes, and no route at all in production.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { developmentClientId, developmentScopes, developmentUserId } from '@jabba/domain/development-identity';
import { messages, verifyAccessToken } from '@jabba/domain/identity';
import { createTestApi, type TestApi } from '../support';

const viewerQuery = '{ viewer { userId client { databaseId name type status blocked } scopes roles } }';

describe('viewer and development sign-in', () => {
  let api: TestApi;
  beforeAll(async () => { api = await createTestApi(); });
  afterAll(() => api.close());

  it('answers the token’s user and scopes, the client and the roles as stored', async () => {
    const caller = await api.caller({ scopes: ['b:read', 'a:write'], roles: ['NHS_REVIEWER', 'AUDITOR'], clientType: 'MIS', clientStatus: 'SUSPENDED', isBlocked: true });
    const { body } = await api.graphql({ query: viewerQuery, token: caller.token });
    expect(body).toMatchObject({
      data: {
        viewer: {
          userId: caller.userId,
          client: { databaseId: caller.client.id, name: 'Test client', type: 'MIS', status: 'SUSPENDED', blocked: true },
          scopes: ['b:read', 'a:write'],
          roles: ['AUDITOR', 'NHS_REVIEWER'],
        },
      },
    });
    expect(body.errors).toBeUndefined();
  });

  it('is UNAUTHENTICATED without a valid token, like every other field', async () => {
    for (const token of [undefined, await api.token()]) {
      const { body } = await api.graphql({ query: viewerQuery, ...(token ? { token } : {}) });
      expect(body.data).toBeNull();
      expect(body.errors?.map((e) => [e.message, e.extensions?.code])).toEqual([[messages.invalidToken, 'UNAUTHENTICATED']]);
    }
  });

  it('signs in as the development identity: its client, user, role and every scope, for four hours', async () => {
    const before = Math.floor(Date.now() / 1000);
    const response = await api.app.request('/v1/dev/sign-in', { method: 'POST' });
    expect(response.status).toBe(200);
    expect(response.headers.get('Cache-Control')).toBe('no-store');
    const { token, expiresAt } = (await response.json()) as { token: string; expiresAt: string };
    const verified = await verifyAccessToken(api.config.AUTH_JWT_SECRET, token);
    expect(verified).toMatchObject({ userId: developmentUserId, clientId: developmentClientId });
    expect([...verified.scopes]).toEqual(developmentScopes);
    expect(developmentScopes).toContain('queues:read');
    expect(expiresAt).toBe(verified.expiresAt.toISOString());
    expect(verified.expiresAt.getTime() / 1000 - before).toBeGreaterThanOrEqual(4 * 3600);
    expect(verified.expiresAt.getTime() / 1000 - before).toBeLessThanOrEqual(4 * 3600 + 2);

    const { body } = await api.graphql({ query: viewerQuery, token });
    expect(body.data).toEqual({
      viewer: {
        userId: developmentUserId,
        client: { databaseId: developmentClientId, name: 'Development NHS client', type: 'NHS', status: 'ACTIVE', blocked: false },
        scopes: developmentScopes,
        roles: ['NHS_REVIEWER'],
      },
    });
  });
});

describe('development sign-in in production', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await createTestApi({ env: { NODE_ENV: 'production', AUTH_JWT_SECRET: randomBytes(32).toString('hex') } });
  });
  afterAll(() => api.close());

  it('does not exist: 404, and no route of the app serves it', async () => {
    const response = await api.app.request('/v1/dev/sign-in', { method: 'POST' });
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ status: 404, detail: 'No route for POST /v1/dev/sign-in' });
    expect(api.app.routes.some((r) => r.path === '/v1/dev/sign-in')).toBe(false);
  });
});
