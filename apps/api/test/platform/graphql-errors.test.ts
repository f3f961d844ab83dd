import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { DomainError } from '@jabba/domain/platform';
import { requireScope, tokenVerifier } from '@jabba/domain/identity';
import { createRequestContext } from '../../src/platform/request-context';
import { toGlobalId } from '../../src/platform/global-ids';
import { graphqlModules } from '../../src/app';
import { graphqlContext, type GraphqlContext, type GraphqlModule } from '../../src/graphql/module';
import { uploadSlots } from '../../src/platform/upload-slots';
import { createGraphqlServer } from '../../src/graphql/server';
import { createTestApi, type TestApi } from '../support';

interface Body {
  data?: Record<string, unknown> | null;
  errors?: { message: string; path?: string[]; extensions?: Record<string, unknown> }[];
  extensions?: Record<string, unknown>;
}

async function post(api: TestApi, query: string, headers: Record<string, string> = {}, variables?: Record<string, unknown>) {
  const response = await api.app.request('/graphql', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, requestId: response.headers.get('x-request-id'), body: (await response.json()) as Body };
}

describe('GraphQL error model', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await createTestApi({
      env: { GRAPHQL_MAX_DEPTH: '4', GRAPHQL_MAX_COST: '300', GRAPHQL_MAX_ALIASES: '2', GRAPHQL_MAX_TOKENS: '60', GRAPHQL_MAX_DIRECTIVES: '2' },
    });
  });
  afterAll(() => api.close());

  it('answers a call without a token with UNAUTHENTICATED, a null payload and the request id', async () => {
    const id = toGlobalId('GenericJob', randomUUID());
    const { status, requestId, body } = await post(api, `{ node(id: "${id}") { id } }`, { 'X-Request-Id': 'gql-unauth-1' });
    expect(status).toBe(200);
    expect(requestId).toBe('gql-unauth-1');
    expect(body).toEqual({
      data: { node: null },
      errors: [
        { message: 'Invalid access token', locations: [{ line: 1, column: 3 }], path: ['node'], extensions: { code: 'UNAUTHENTICATED' } },
      ],
      extensions: { requestId: 'gql-unauth-1' },
    });
  });

  it('puts the generated request id in the body when the client sent none', async () => {
    const { requestId, body } = await post(api, `{ node(id: "x") { id } }`, { Authorization: 'Bearer not-a-jwt' });
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(body.extensions).toEqual({ requestId });
    expect(body.errors?.[0]).toMatchObject({ message: 'Invalid access token', extensions: { code: 'UNAUTHENTICATED' } });
  });

  it('rejects a malformed global id with UNPROCESSABLE_ENTITY naming `id`', async () => {
    const { token } = await api.caller();
    for (const id of ['not base64!', toGlobalId('Task', 'not-a-uuid'), Buffer.from(randomUUID()).toString('base64')]) {
      const { status, body } = await post(api, `{ node(id: "${id}") { id } }`, { Authorization: `Bearer ${token}` });
      expect(status).toBe(200);
      expect(body.data).toEqual({ node: null });
      expect(body.errors?.[0]).toMatchObject({
        message: 'Validation failed',
        path: ['node'],
        extensions: { code: 'UNPROCESSABLE_ENTITY', exception: { inputErrors: [{ path: '$.id', message: 'is not a valid global id' }] } },
      });
    }
  });

  it('answers a syntax error with BAD_REQUEST, no data, and the request id (HTTP 200 for application/json)', async () => {
    const { status, body } = await post(api, '{ node(id: "x") { id }', { 'X-Request-Id': 'gql-syntax' });
    expect(status).toBe(200);
    expect(body).toEqual({
      errors: [{ message: 'Syntax Error: Expected Name, found <EOF>.', locations: [{ line: 1, column: 23 }], extensions: { code: 'BAD_REQUEST' } }],
      extensions: { requestId: 'gql-syntax' },
    });
  });

  it('answers 400 to a client that negotiated application/graphql-response+json', async () => {
    const { status, body } = await post(api, '{ nope }', { Accept: 'application/graphql-response+json' });
    expect(status).toBe(400);
    expect(body.errors?.[0]).toMatchObject({ message: 'Cannot query field "nope" on type "Query". Did you mean "node"?', extensions: { code: 'BAD_REQUEST' } });
    expect(body.extensions?.requestId).toEqual(expect.any(String));
  });

  it('refuses a query deeper than GRAPHQL_MAX_DEPTH with BAD_REQUEST', async () => {
    const { status, body } = await post(api, '{ node(id: "x") { ... on GenericJob { tasks { edges { node { id } } } } } }');
    expect(status).toBe(200);
    expect(body.data).toBeUndefined();
    expect(body.errors).toEqual([{ message: 'Query depth limit of 4 exceeded, found 5.', extensions: { code: 'BAD_REQUEST' } }]);
  });

  it('refuses a query costlier than GRAPHQL_MAX_COST with BAD_REQUEST', async () => {
    const { status, body } = await post(api, '{ node(id: "x") { ... on GenericJob { tasks(first: 200) { nodes { id } } } } }');
    expect(status).toBe(200);
    expect(body.data).toBeUndefined();
    // node 1 + tasks, tasks = 1 + first: 200 × (nodes 1 + id 1).
    expect(body.errors).toEqual([{ message: 'Query Cost limit of 300 exceeded, found 402.', extensions: { code: 'BAD_REQUEST' } }]);
  });

  it('counts first and last given through variables, and their defaults, in the cost', async () => {
    const refused = [{ message: 'Query Cost limit of 300 exceeded, found 402.', extensions: { code: 'BAD_REQUEST' } }];
    const byVariable = (arg: 'first' | 'last', declaration = 'Int') => `query ($n: ${declaration}) { node(id: "x") { ... on GenericJob { tasks(${arg}: $n) { nodes { id } } } } }`;
    for (const arg of ['first', 'last'] as const) {
      const { status, body } = await post(api, byVariable(arg), { 'X-Request-Id': `gql-cost-${arg}` }, { n: 200 });
      expect(status).toBe(200);
      expect(body).toEqual({ errors: refused, extensions: { requestId: `gql-cost-${arg}` } });
    }
    expect((await post(api, byVariable('first', 'Int = 200'))).body.errors).toEqual(refused);
    // Within the limit the query runs (and meets the missing token).
    const cheap = await post(api, byVariable('first'), {}, { n: 100 });
    expect(cheap.body.errors?.map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED']);
  });

  it('counts the default page size for a connection without first or last, and the largest page for more', async () => {
    // tasks = 1 + 50 (the default page) × (nodes 1 + 5 fields).
    const { body } = await post(api, '{ node(id: "x") { ... on GenericJob { tasks { nodes { id name status meta result } } } } }');
    expect(body.errors).toEqual([{ message: 'Query Cost limit of 300 exceeded, found 302.', extensions: { code: 'BAD_REQUEST' } }]);
    // No resolver reads more than 500 rows (a larger first is refused), so 500 is the most a page costs.
    const huge = await post(api, 'query ($n: Int) { node(id: "x") { ... on GenericJob { tasks(first: $n) { nodes { id } } } } }', {}, { n: 1_000_000 });
    expect(huge.body.errors).toEqual([{ message: 'Query Cost limit of 300 exceeded, found 1002.', extensions: { code: 'BAD_REQUEST' } }]);
  });

  it('leaves variables of the wrong type to execution, which names them', async () => {
    const { body } = await post(api, 'query ($n: Int) { node(id: "x") { ... on GenericJob { tasks(first: $n) { nodes { id } } } } }', {}, { n: 'many' });
    expect(body.errors).toEqual([
      { message: 'Variable "$n" got invalid value "many"; Int cannot represent non-integer value: "many"', locations: [{ line: 1, column: 8 }], extensions: { code: 'BAD_REQUEST' } },
    ]);
  });

  it('refuses more aliases than GRAPHQL_MAX_ALIASES with BAD_REQUEST', async () => {
    const { status, body } = await post(api, '{ a: node(id: "x") { id } b: node(id: "y") { id } c: node(id: "z") { i: id } }');
    expect(status).toBe(200);
    expect(body.data).toBeUndefined();
    expect(body.errors).toEqual([{ message: 'Aliases limit of 2 exceeded, found 4.', extensions: { code: 'BAD_REQUEST' } }]);
    // `__typename` under an alias costs nothing, so it is not counted.
    const allowed = await post(api, '{ a: node(id: "x") { t: __typename } b: node(id: "y") { id } }');
    expect(allowed.body.errors?.map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED', 'UNAUTHENTICATED']);
  });

  it('refuses more directives than GRAPHQL_MAX_DIRECTIVES with BAD_REQUEST', async () => {
    const { status, body } = await post(api, '{ node(id: "x") @skip(if: false) { id @include(if: true) } __typename @skip(if: false) }');
    expect(status).toBe(200);
    expect(body.data).toBeUndefined();
    expect(body.errors).toEqual([{ message: 'Directives limit of 2 exceeded, found 3.', extensions: { code: 'BAD_REQUEST' } }]);
  });

  it('refuses a document of more than GRAPHQL_MAX_TOKENS tokens with BAD_REQUEST before parsing it further', async () => {
    // 2 braces, `node ( id : "x" )` = 6, 2 braces, 51 × `id`: 61 tokens.
    const { status, body } = await post(api, `{ node(id: "x") { ${'id '.repeat(51)}} }`, { 'X-Request-Id': 'gql-tokens' });
    expect(status).toBe(200);
    expect(body).toEqual({
      errors: [{ message: 'Token limit of 60 exceeded.', extensions: { code: 'BAD_REQUEST' } }],
      extensions: { requestId: 'gql-tokens' },
    });
    const { body: fits } = await post(api, `{ node(id: "x") { ${'id '.repeat(50)}} }`);
    expect(fits.errors?.map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED']);
  });

  it('serves GraphiQL to a browser outside production', async () => {
    const response = await api.app.request('/graphql', { headers: { Accept: 'text/html' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await response.text()).toContain('GraphiQL');
  });

  it('answers introspection outside production', async () => {
    const { body } = await post(api, '{ __schema { queryType { name } } __type(name: "Node") { kind } }');
    expect(body).toMatchObject({ data: { __schema: { queryType: { name: 'Query' } }, __type: { kind: 'INTERFACE' } } });
    expect(body.errors).toBeUndefined();
  });
});

describe('GraphQL error model in production', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await createTestApi({ env: { NODE_ENV: 'production', AUTH_JWT_SECRET: 'production-test-secret-0123456789abcdef' } });
  });
  afterAll(() => api.close());

  it('refuses introspection with BAD_REQUEST', async () => {
    const { status, body } = await post(api, '{ __schema { queryType { name } } }', { 'X-Request-Id': 'gql-prod-intro' });
    expect(status).toBe(200);
    // graphql-js's own rule: it names every introspection field, nested ones included.
    expect(body).toEqual({
      errors: [
        {
          message: 'GraphQL introspection has been disabled, but the requested query contained the field "__schema".',
          locations: [{ line: 1, column: 3 }],
          extensions: { code: 'BAD_REQUEST' },
        },
        {
          message: 'GraphQL introspection has been disabled, but the requested query contained the field "queryType".',
          locations: [{ line: 1, column: 14 }],
          extensions: { code: 'BAD_REQUEST' },
        },
      ],
      extensions: { requestId: 'gql-prod-intro' },
    });
  });

  it('refuses a page of parents each with a full nested page at the default GRAPHQL_MAX_COST, however the sizes are given', async () => {
    const nested = 'query ($n: Int) { deviceRegistryJobs(first: $n) { nodes { tasks(first: $n) { nodes { id } } } } }';
    const { body } = await post(api, nested, {}, { n: 500 });
    // 1 + 500 × (nodes 1 + tasks (1 + 500 × (nodes 1 + id 1))): a quarter of a million rows.
    expect(body.errors).toEqual([{ message: 'Query Cost limit of 20000 exceeded, found 501001.', extensions: { code: 'BAD_REQUEST' } }]);
    // Default pages both levels down (50 × 50) stay within it and run (here into the missing token).
    const { body: defaults } = await post(api, '{ deviceRegistryJobs { nodes { tasks { nodes { id } } } } }');
    expect(defaults.errors?.map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED']);
  });

  it('refuses a document whose fragments spread into more selections than the cost walk prices', async () => {
    const spreads = (name: string) => ` ...${name}`.repeat(10);
    const query = `{ ...A } fragment A on Query {${spreads('B')} } fragment B on Query {${spreads('C')} } fragment C on Query {${spreads('D')} }
      fragment D on Query {${' __typename'.repeat(10)} }`;
    const { status, body } = await post(api, query);
    expect(status).toBe(200);
    expect(body.errors).toEqual([
      { message: 'Query Cost limit of 20000 exceeded: more than 10000 selections once fragments are spread.', extensions: { code: 'BAD_REQUEST' } },
    ]);
  });

  it('gives no field suggestions, which would leak the schema', async () => {
    const { body } = await post(api, '{ nodee(id: "x") { id } }');
    expect(body.errors?.map((e) => [e.message, e.extensions])).toEqual([
      ['Cannot query field "nodee" on type "Query".', { code: 'BAD_REQUEST' }],
    ]);
  });

  it('serves no GraphiQL page', async () => {
    const response = await api.app.request('/graphql', { headers: { Accept: 'text/html' } });
    // Without GraphiQL nothing yoga has can answer text/html.
    expect(response.status).toBe(406);
    expect(await response.text()).toBe('');
  });
});

describe('GraphQL error model for resolver failures', () => {
  let api: TestApi;
  const logs: Record<string, unknown>[] = [];
  // Fields no feature has yet: a scope-guarded one and one with a bug.
  const probe: GraphqlModule = {
    typeDefs: 'type Query { guarded: String  broken: String  conflict: String  echo(id: UUID, at: DateTime): String }',
    resolvers: {
      Query: {
        echo: (_: unknown, args: { id?: string; at?: string }) => `${args.id ?? '-'} ${args.at ?? '-'}`,
        guarded: async (_: unknown, __: unknown, ctx: GraphqlContext) => {
          await ctx.authorize([requireScope('device_registry_job:read')]);
          return 'ok';
        },
        broken: () => {
          throw new Error('password=hunter2 leaked');
        },
        conflict: () => {
          throw new DomainError('CONFLICT', 'new request is already present');
        },
      },
    },
  };

  beforeAll(async () => {
    const logger = pino({ level: 'info' }, { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) });
    api = await createTestApi({ logger });
  });
  afterAll(() => api.close());

  async function run(query: string, token: string | undefined, requestId: string, variables?: Record<string, unknown>): Promise<Body> {
    const yoga = createGraphqlServer(api.deps, [...graphqlModules, probe]);
    const context = createRequestContext({
      requestId,
      logger: api.deps.logger.child({ requestId }),
      em: api.orm.em.fork(),
      authorization: token ? `Bearer ${token}` : undefined,
      verifyToken: tokenVerifier({ secret: api.config.AUTH_JWT_SECRET }),
    });
    const request = new Request('http://localhost/graphql', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ query, variables }),
    });
    const response = await yoga.fetch(request, graphqlContext(context, { ...api.deps, uploadSlots: uploadSlots(1) }));
    expect(response.status).toBe(200);
    return (await response.json()) as Body;
  }

  it('reports a missing scope as FORBIDDEN with missingAllowances', async () => {
    const { token } = await api.caller({ scopes: ['device_registry:write'] });
    expect(await run('{ guarded }', token, 'gql-forbidden')).toEqual({
      data: { guarded: null },
      errors: [
        {
          message: 'Your scope does not allow to access this resource. Missing allowances: device_registry_job:read',
          locations: [{ line: 1, column: 3 }],
          path: ['guarded'],
          extensions: { code: 'FORBIDDEN', exception: { missingAllowances: ['device_registry_job:read'] } },
        },
      ],
      extensions: { requestId: 'gql-forbidden' },
    });
  });

  it('maps other domain errors through the shared code table', async () => {
    const body = await run('{ conflict guarded }', undefined, 'gql-conflict');
    expect(body.data).toEqual({ conflict: null, guarded: null });
    expect(body.errors?.map((e) => [e.path, e.message, e.extensions])).toEqual([
      [['conflict'], 'new request is already present', { code: 'CONFLICT' }],
      [['guarded'], 'Invalid access token', { code: 'UNAUTHENTICATED' }],
    ]);
  });

  it('normalises UUID and DateTime input', async () => {
    const body = await run('{ echo(id: "A9E2873E-5D5B-4B6F-9D6A-0B8C2F1E4D3A", at: "2026-11-22T12:29:32.0993+02:00") }', undefined, 'gql-echo');
    expect(body.data).toEqual({ echo: 'a9e2873e-5d5b-4b6f-9d6a-0b8c2f1e4d3a 2026-11-22T10:29:32.099300Z' });
  });

  it('refuses malformed UUID and DateTime input with BAD_REQUEST before anything runs', async () => {
    expect(await run('{ echo(id: "nope") }', undefined, 'gql-uuid')).toEqual({
      errors: [{ message: 'UUID cannot represent value: "nope"', extensions: { code: 'BAD_REQUEST' } }],
      extensions: { requestId: 'gql-uuid' },
    });
    const body = await run('query ($at: DateTime) { echo(at: $at) }', undefined, 'gql-at', { at: '2026-02-30T00:00:00Z' });
    expect(body).toEqual({
      errors: [
        {
          message:
            'Variable "$at" got invalid value "2026-02-30T00:00:00Z"; DateTime cannot represent value: "2026-02-30T00:00:00Z"; expected ISO-8601, e.g. 2026-11-22T10:29:32.099359Z',
          locations: [{ line: 1, column: 8 }],
          extensions: { code: 'BAD_REQUEST' },
        },
      ],
      extensions: { requestId: 'gql-at' },
    });
  });

  it('masks an unexpected error and logs it with the request id', async () => {
    const body = await run('{ broken }', undefined, 'gql-broken');
    expect(body.data).toEqual({ broken: null });
    expect(body.errors).toEqual([
      { message: 'Internal server error', locations: [{ line: 1, column: 3 }], path: ['broken'], extensions: { code: 'INTERNAL_SERVER_ERROR' } },
    ]);
    expect(JSON.stringify(body)).not.toContain('hunter2');
    const logged = logs.find((l) => l.requestId === 'gql-broken' && l.msg === 'graphql operation failed');
    expect(logged).toMatchObject({ level: 50, path: 'broken', err: { message: 'password=hunter2 leaked' } });
  });
});
