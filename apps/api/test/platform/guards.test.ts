import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, DomainError } from '@jabba/domain/platform';
import { type Check, requireActiveClient, requireAnyScope, requireClientNotBlocked, requireClientType, requireRole, requireScope, signAccessToken, tokenVerifier } from '@jabba/domain/identity';
import { createRequestContext, type RequestContext } from '../../src/platform/request-context';
import { createTestApi, grantRole, insertClient, type CallerOptions, type TestApi } from '../support';

const silent = createLogger('silent', 'guards-test');

async function failure(promise: Promise<unknown>): Promise<{ code: string; message: string; missingAllowances?: string[] }> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    const { code, message, details } = error as DomainError;
    return { code, message, ...(details.missingAllowances ? { missingAllowances: details.missingAllowances } : {}) };
  }
  throw new Error('expected the promise to reject');
}

const invalidToken = { code: 'UNAUTHENTICATED', message: 'Invalid access token' };

describe('authentication and guards against real clients and roles', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await createTestApi();
  });
  afterAll(() => api.close());

  const contextFor = (authorization: string | undefined): RequestContext =>
    createRequestContext({ requestId: 'guards', logger: silent, em: api.em(), authorization, verifyToken: tokenVerifier({ secret: api.config.AUTH_JWT_SECRET }) });

  const authorizeAs = async (options: CallerOptions, checks: readonly Check[]) => {
    const { headers } = await api.caller(options);
    return contextFor(headers.Authorization).authorize(checks);
  };

  describe('authenticate', () => {
    it('rejects a missing token', async () => {
      expect(await failure(contextFor(undefined).authenticate())).toEqual(invalidToken);
      expect(await failure(contextFor('Basic dXNlcjpwYXNz').authenticate())).toEqual(invalidToken);
    });

    it('rejects a malformed token', async () => {
      expect(await failure(contextFor('Bearer not.a.jwt').authenticate())).toEqual(invalidToken);
    });

    it('rejects a token signed with another secret', async () => {
      const client = await insertClient(api.em());
      const forged = await signAccessToken('x'.repeat(32), { userId: randomUUID(), clientId: client.id, scopes: [] });
      expect(await failure(contextFor(`Bearer ${forged}`).authenticate())).toEqual(invalidToken);
    });

    it('rejects an expired token', async () => {
      const client = await insertClient(api.em());
      const expired = await api.token({ clientId: client.id, ttl: -60 });
      expect(await failure(contextFor(`Bearer ${expired}`).authenticate())).toEqual(invalidToken);
    });

    it('rejects a token for a client that does not exist', async () => {
      const token = await api.token({ clientId: randomUUID() });
      expect(await failure(contextFor(`Bearer ${token}`).authenticate())).toEqual(invalidToken);
    });

    it('loads the client once per request', async () => {
      const { headers, client, userId } = await api.caller({ scopes: ['a:read', 'b:write'] });
      const context = contextFor(headers.Authorization);
      const first = await context.authenticate();
      expect(first.client.id).toBe(client.id);
      expect(first.token.userId).toBe(userId);
      expect([...first.token.scopes]).toEqual(['a:read', 'b:write']);
      expect(await context.authenticate()).toBe(first);
    });
  });

  describe('checks', () => {
    it('FORBIDDEN with the missing allowance when the scope is absent', async () => {
      expect(await failure(authorizeAs({ scopes: ['device_registry:write'] }, [requireScope('device_registry_job:read')]))).toEqual({
        code: 'FORBIDDEN',
        message: 'Your scope does not allow to access this resource. Missing allowances: device_registry_job:read',
        missingAllowances: ['device_registry_job:read'],
      });
    });

    it('passes requireAnyScope with one of the scopes', async () => {
      await expect(authorizeAs({ scopes: ['manage:destination:42'] }, [requireAnyScope('manage:destination:*', 'manage:destination:42')])).resolves.toBeTruthy();
    });

    it('CONFLICT when the client is not active', async () => {
      for (const clientStatus of ['SUSPENDED', 'CLOSED'] as const) {
        expect(await failure(authorizeAs({ clientStatus }, [requireActiveClient()]))).toEqual({
          code: 'CONFLICT',
          message: 'client_id refers to legal entity that is not active',
        });
      }
    });

    it('FORBIDDEN when the client type is not allowed', async () => {
      expect(await failure(authorizeAs({ clientType: 'MIS' }, [requireClientType('NHS')]))).toEqual({
        code: 'FORBIDDEN',
        message: "You don't have permission to access this resource",
      });
    });

    it('FORBIDDEN when the client is blocked', async () => {
      expect(await failure(authorizeAs({ isBlocked: true }, [requireClientNotBlocked()]))).toEqual({
        code: 'FORBIDDEN',
        message: 'Client is blocked',
      });
    });

    it('FORBIDDEN when the user lacks the role for this client', async () => {
      expect(await failure(authorizeAs({ roles: ['NHS_ADMIN'] }, [requireRole('NHS_REVIEWER')]))).toEqual({
        code: 'FORBIDDEN',
        message: "User doesn't have required role",
      });
    });

    it('counts a role only for the client it was granted for', async () => {
      const { headers, userId } = await api.caller({});
      const other = await insertClient(api.em());
      await grantRole(api.em(), userId, other.id, 'NHS_REVIEWER');
      expect(await failure(contextFor(headers.Authorization).authorize([requireRole('NHS_REVIEWER')]))).toMatchObject({
        message: "User doesn't have required role",
      });
    });

    it('passes every check for a caller who meets them all', async () => {
      const principal = await authorizeAs({ scopes: ['merge_candidate:assign'], roles: ['NHS_REVIEWER'] }, [
        requireScope('merge_candidate:assign'),
        requireClientType('NHS'),
        requireClientNotBlocked(),
        requireRole('NHS_REVIEWER'),
      ]);
      expect(principal.client.type).toBe('NHS');
    });

    it('reports the first failing check in the order given', async () => {
      // This caller fails all four: no scope, suspended, MIS, blocked.
      const bad: CallerOptions = { scopes: [], clientStatus: 'SUSPENDED', clientType: 'MIS', isBlocked: true };
      const all = [requireScope('x:read'), requireActiveClient(), requireClientType('NHS'), requireClientNotBlocked()];
      expect((await failure(authorizeAs(bad, all))).message).toMatch(/^Your scope does not allow/);
      expect((await failure(authorizeAs(bad, all.slice(1)))).code).toBe('CONFLICT');
      expect((await failure(authorizeAs(bad, all.slice(2)))).message).toBe("You don't have permission to access this resource");
      expect((await failure(authorizeAs(bad, all.slice(3)))).message).toBe('Client is blocked');
      expect((await failure(authorizeAs(bad, [requireClientNotBlocked(), requireActiveClient()]))).message).toBe('Client is blocked');
    });
  });
});
