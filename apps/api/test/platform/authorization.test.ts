/**
 * The authorization matrix (issue 11): every REST route and every GraphQL query and mutation field,
 * tried by every kind of caller that must be refused, each expecting the refusal its identity chain
 * documents (code, message, missing allowances), then by the caller that may, who must get through.
 * The route table and the schema are read from the app itself: a route or field without an entry
 * fails the first test.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignJWT } from 'jose';
import type { GraphQLObjectType } from 'graphql';
import { messages, signAccessToken } from '@jabba/domain/identity';
import { graphqlModules } from '../../src/app';
import { buildSchema } from '../../src/graphql/schema';
import { createTestApi, insertClient, grantRole, type TestApi } from '../support';
import { send, worldOf, type Party, type Refusal, type World } from './authorization-fixtures';
import { entries, linksOf, operatorRoutes, publicRoutes, type Entry } from './authorization-matrix';

const refusedKinds = [
  'no token', 'expired token', 'forged token', 'future-dated token', 'alg none token',
  'wrong scope', 'wrong client type', 'blocked client', 'inactive client', 'user without role',
  'another client’s object',
] as const;
type Kind = (typeof refusedKinds)[number];

const invalidToken: Refusal = { code: 'UNAUTHENTICATED', message: messages.invalidToken };

/** What `kind` must be told by `entry`, or why it cannot happen (the chain has no such link). */
function expected(entry: Entry, kind: Kind, own: World, owner: World): Refusal | 'null' | { notApplicable: string } {
  const links = linksOf(entry.chain);
  const link = (name: string, refusal: Refusal) => (links.some((l) => l === name) ? refusal : { notApplicable: `the ${entry.chain} chain has no ${name} link` });
  switch (kind) {
    case 'no token': case 'expired token': case 'forged token': case 'future-dated token': case 'alg none token':
      return invalidToken;
    case 'wrong scope': {
      const missing = (entry.missing ?? entry.scopes)(own);
      return link('scope', { code: 'FORBIDDEN', message: messages.missingScope(missing), missingAllowances: missing });
    }
    case 'wrong client type': return link('client:NHS', { code: 'FORBIDDEN', message: messages.clientTypeForbidden });
    case 'blocked client': return link('notBlocked', { code: 'FORBIDDEN', message: messages.clientBlocked });
    case 'inactive client': return link('active', { code: 'CONFLICT', message: messages.clientNotActive });
    case 'user without role': return link('role:NHS_REVIEWER', { code: 'FORBIDDEN', message: messages.roleMissing });
    case 'another client’s object': return typeof entry.foreign === 'function' ? entry.foreign(owner) : entry.foreign;
  }
}

describe('authorization matrix', () => {
  let api: TestApi;
  const parties = new Map<Kind | 'owner', { party: Party; world: World }>();

  async function party({ type = 'NHS', status = 'ACTIVE', isBlocked = false, role = true } = {}): Promise<{ party: Party; world: World }> {
    const client = await insertClient(api.em(), { type: type as 'NHS', status: status as 'ACTIVE', isBlocked });
    const userId = randomUUID();
    if (role) await grantRole(api.em(), userId, client.id, 'NHS_REVIEWER');
    const p = { client, userId };
    return { party: p, world: await worldOf(api, p) };
  }

  const sign = (p: Party, scopes: string[]) => api.token({ userId: p.userId, clientId: p.client.id, scopes });

  /** The bearer token `kind` calls with (null: none at all). */
  async function tokenOf(kind: Kind, p: Party, scopes: string[]): Promise<string | null> {
    const claims = { client_id: p.client.id, scope: scopes.join(' ') };
    const now = Math.floor(Date.now() / 1000);
    switch (kind) {
      case 'no token': return null;
      case 'expired token': return api.token({ userId: p.userId, clientId: p.client.id, scopes, ttl: -120 });
      case 'forged token': return signAccessToken('not-the-secret-'.repeat(3), { userId: p.userId, clientId: p.client.id, scopes });
      case 'future-dated token':
        return new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setSubject(p.userId).setIssuedAt(now + 3600).setExpirationTime(now + 7200)
          .sign(new TextEncoder().encode(api.config.AUTH_JWT_SECRET));
      case 'alg none token': {
        const payload = Buffer.from(JSON.stringify({ ...claims, sub: p.userId, iat: now, exp: now + 600 })).toString('base64url');
        return `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${payload}.`;
      }
      case 'wrong scope': return sign(p, ['an:unrelated:scope']);
      case 'wrong client type': case 'blocked client': case 'inactive client': case 'user without role': case 'another client’s object':
        return sign(p, scopes);
    }
  }

  beforeAll(async () => {
    api = await createTestApi({ env: { DESTINATION_PATCH_WAIT_MS: '0', MERGE_ASSIGN_TIMEOUT_MS: '1' } });
    const setups: Record<Kind | 'owner', Parameters<typeof party>[0]> = {
      owner: {}, 'no token': {}, 'expired token': {}, 'forged token': {}, 'future-dated token': {}, 'alg none token': {}, 'wrong scope': {},
      'wrong client type': { type: 'MIS' }, 'blocked client': { isBlocked: true }, 'inactive client': { status: 'SUSPENDED' },
      'user without role': { role: false }, 'another client’s object': {},
    };
    for (const [kind, setup] of Object.entries(setups)) parties.set(kind as Kind, await party(setup));
  });
  afterAll(() => api.close());

  it('has an entry for every route of the app and every field of the schema, and none for anything else', () => {
    const routes = api.app.routes.filter((r) => r.method !== 'ALL').map((r) => `${r.method} ${r.path}`);
    const schema = buildSchema(graphqlModules);
    const fields = (['Query', 'Mutation'] as const).flatMap((t) => Object.keys((schema.getType(t) as GraphQLObjectType).getFields()).map((f) => `${t}.${f}`));
    const covered = new Set([...entries.map((e) => e.key), ...Object.keys(publicRoutes), ...Object.keys(operatorRoutes)]);
    expect([...new Set([...routes, ...fields])].filter((k) => !covered.has(k))).toEqual([]);
    expect([...covered].filter((k) => !routes.includes(k) && !fields.includes(k))).toEqual([]);
  });

  it('answers the public routes without a token', async () => {
    for (const path of ['/health', '/ready', '/graphql?query=%7B__typename%7D', '/openapi.json', '/docs', '/docs/reference.js', '/docs/swagger-ui.css', '/docs/swagger-ui-bundle.js', '/problems/not-found']) {
      expect((await api.app.request(path)).status, path).toBe(200);
    }
    const post = await api.app.request('/graphql', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"query":"{ __typename }"}' });
    expect(await post.json()).toMatchObject({ data: { __typename: 'Query' } });
    expect((await api.app.request('/v1/dev/sign-in', { method: 'POST' })).status).toBe(200);
  });

  describe.each(entries.map((entry) => ({ name: `${entry.key}${entry.variant ? ` (${entry.variant})` : ''}`, entry })))('$name', ({ entry }) => {
    it('refuses every caller its chain refuses, with the documented code and message', async () => {
      const owner = parties.get('owner')!.world;
      const wrong: unknown[] = [];
      for (const kind of refusedKinds) {
        const { party: p, world: own } = parties.get(kind)!;
        const want = expected(entry, kind, own, owner);
        if (typeof want === 'object' && 'notApplicable' in want) continue;
        const target = kind === 'another client’s object' ? owner : own;
        const answer = await send(api, entry.call(target), await tokenOf(kind, p, entry.scopes(own)));
        const got = want === 'null' ? (answer.nullField && answer.refusal === null ? 'null' : answer) : answer.refusal;
        if (JSON.stringify(got) !== JSON.stringify(want)) wrong.push({ kind, want, got });
      }
      expect(wrong).toEqual([]);
    });

    it('lets the caller its chain allows through', async () => {
      const { party: p, world } = await party();
      const answer = await send(api, entry.call(world), await sign(p, entry.scopes(world)));
      const refusal = answer.refusal;
      const identityRefusal = refusal !== null && (['UNAUTHENTICATED', 'FORBIDDEN'].includes(refusal.code) || refusal.message === messages.clientNotActive);
      const hidden = typeof entry.foreign === 'function' && ((answer.nullField && refusal === null) || refusal?.code === 'NOT_FOUND');
      expect({ identityRefusal, hidden, refusal }).toEqual({ identityRefusal: false, hidden: false, refusal });
    });
  });
});
