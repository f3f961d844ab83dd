/**
 * Token rules through the real HTTP interface (issue 11): clock skew, `iat` in the future, a
 * maximum age whatever `exp` says, issuer and audience, `alg: none`, and an identity provider's
 * RS256/ES256 tokens beside our HS256 ones, its keys served (and rotated) by a JWKS on 127.0.0.1.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportJWK, generateKeyPair, type JWK, SignJWT, type CryptoKey } from 'jose';
import { messages } from '@jabba/domain/identity';
import { createApp } from '../../src/app';
import { loadConfig } from '../../src/config';
import { checkedApp, createTestApi, type Caller, type TestApi } from '../support';

const now = (): number => Math.floor(Date.now() / 1000);

interface Claims {
  iat?: number | null;
  exp?: number;
  iss?: string;
  aud?: string;
}

describe('access tokens', () => {
  let api: TestApi;
  let caller: Caller;
  let jwks: Server;
  let jwksUrl: string;
  let servedKeys: JWK[] = [];
  const providerKeys: Record<'rsa' | 'ec' | 'rogue', { privateKey: CryptoKey; kid: string; alg: 'RS256' | 'ES256' }> = {} as never;

  beforeAll(async () => {
    api = await createTestApi();
    caller = await api.caller({ scopes: ['create_destination'] });
    for (const [name, alg] of [['rsa', 'RS256'], ['ec', 'ES256'], ['rogue', 'RS256']] as const) {
      const { privateKey } = await generateKeyPair(alg, { extractable: true });
      providerKeys[name] = { privateKey, kid: `${name}-${randomUUID()}`, alg };
    }
    jwks = createServer((_, response) => {
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: servedKeys }));
    });
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
    jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json`;
  });
  afterAll(async () => {
    await new Promise((resolve) => jwks.close(resolve));
    await api.close();
  });

  /** Our HS256 token for the caller, with the claims given (`iat: null` leaves it out). */
  function ours({ iat = now(), exp = now() + 600, iss, aud }: Claims = {}, secret = api.config.AUTH_JWT_SECRET): Promise<string> {
    const jwt = new SignJWT({ client_id: caller.client.id, scope: 'create_destination' }).setProtectedHeader({ alg: 'HS256' }).setSubject(caller.userId).setExpirationTime(exp);
    if (iat !== null) jwt.setIssuedAt(iat);
    if (iss) jwt.setIssuer(iss);
    if (aud) jwt.setAudience(aud);
    return jwt.sign(new TextEncoder().encode(secret));
  }

  async function providers(name: keyof typeof providerKeys): Promise<string> {
    const { privateKey, kid, alg } = providerKeys[name];
    return new SignJWT({ client_id: caller.client.id, scope: 'create_destination' })
      .setProtectedHeader({ alg, kid }).setSubject(caller.userId).setIssuedAt().setExpirationTime(now() + 600).sign(privateKey);
  }

  const publicJwk = async (name: keyof typeof providerKeys): Promise<JWK> => {
    const { privateKey, kid, alg } = providerKeys[name];
    const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...pub } = await exportJWK(privateKey);
    return { ...pub, kid, alg, use: 'sig' };
  };

  /** The status of a request that needs the token and nothing else of note. */
  const statusWith = async (token: string, app = api.app): Promise<number> =>
    (await app.request('/v1/destinations', { headers: { Authorization: `Bearer ${token}` } })).status;

  const appWith = (env: Record<string, string>) => checkedApp(createApp({ ...api.deps, config: loadConfig({ NODE_ENV: 'test', DATABASE_URL: api.database.url, LOG_LEVEL: 'silent', ...env }) }));

  it('tolerates 30 s of clock skew on exp and iat, and no more', async () => {
    expect(await statusWith(await ours())).toBe(200);
    expect(await statusWith(await ours({ exp: now() - 20 }))).toBe(200);
    expect(await statusWith(await ours({ iat: now() + 20 }))).toBe(200);
    expect(await statusWith(await ours({ exp: now() - 60 }))).toBe(401);
  });

  it('refuses an iat in the future, a token older than AUTH_MAX_TOKEN_AGE_S whatever its exp, and one without iat', async () => {
    const refused = await api.app.request('/v1/destinations', { headers: { Authorization: `Bearer ${await ours({ iat: now() + 120 })}` } });
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({ status: 401, detail: messages.invalidToken });
    expect(await statusWith(await ours({ iat: now() - 25 * 3600, exp: now() + 3600 }))).toBe(401);
    expect(await statusWith(await ours({ iat: null }))).toBe(401);
    const hourly = appWith({ AUTH_MAX_TOKEN_AGE_S: '3600' });
    expect(await statusWith(await ours({ iat: now() - 1800 }), hourly)).toBe(200);
    expect(await statusWith(await ours({ iat: now() - 7200, exp: now() + 3600 }), hourly)).toBe(401);
  });

  it('refuses alg none and a forged signature', async () => {
    const [, payload] = (await ours()).split('.');
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${payload}.`;
    expect(await statusWith(none)).toBe(401);
    expect(await statusWith(await ours({}, 'f'.repeat(16) + 'o'.repeat(16)))).toBe(401);
  });

  it('checks AUTH_JWT_ISSUER and AUTH_JWT_AUDIENCE when they are set', async () => {
    const strict = appWith({ AUTH_JWT_ISSUER: 'https://idp.example', AUTH_JWT_AUDIENCE: 'jabba' });
    expect(await statusWith(await ours({ iss: 'https://idp.example', aud: 'jabba' }), strict)).toBe(200);
    expect(await statusWith(await ours(), strict)).toBe(401);
    expect(await statusWith(await ours({ iss: 'https://evil.example', aud: 'jabba' }), strict)).toBe(401);
    expect(await statusWith(await ours({ iss: 'https://idp.example', aud: 'other' }), strict)).toBe(401);
  });

  it('accepts an identity provider’s RS256 and ES256 tokens through AUTH_JWKS_URL, beside HS256, and follows a key rotation', async () => {
    // Without a JWKS the provider's tokens are refused.
    expect(await statusWith(await providers('rsa'))).toBe(401);

    servedKeys = [await publicJwk('rsa')];
    const federated = appWith({ AUTH_JWKS_URL: jwksUrl, AUTH_JWKS_COOLDOWN_S: '0' });
    expect(await statusWith(await providers('rsa'), federated)).toBe(200);
    expect(await statusWith(await ours(), federated)).toBe(200);
    expect(await statusWith(await providers('rogue'), federated)).toBe(401);

    // The provider rotates to an EC key: a token naming it makes the api fetch the set again.
    servedKeys = [await publicJwk('ec')];
    expect(await statusWith(await providers('ec'), federated)).toBe(200);
    expect(await statusWith(await providers('rogue'), federated)).toBe(401);
  });

  it('takes a JWKS over https, or over http on this machine only', () => {
    expect(() => loadConfig({ AUTH_JWKS_URL: 'http://idp.example/jwks.json' })).toThrow('AUTH_JWKS_URL: must use https (http only on 127.0.0.1, [::1] or localhost)');
    expect(loadConfig({ AUTH_JWKS_URL: 'https://idp.example/jwks.json' }).AUTH_JWKS_URL).toBe('https://idp.example/jwks.json');
  });
});
