/**
 * GraphQL `destination(id)`, `destinations(…)` and `node(id)` for destinations: the REST GETs'
 * scopes, null for what does not exist, and keyset pages of one client's destinations.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectPages, isoMicros, type Page } from '../expect';
import { createTestApi, type Caller, type TestApi } from '../support';
import { toGlobalId } from '../../src/platform/global-ids';

const createScope = 'create_destination';
const manageScope = (id: string): string => `manage:destination:${id}`;
const forbidden = (scope: string) => ({
  message: `Your scope does not allow to access this resource. Missing allowances: ${scope}`,
  extensions: { code: 'FORBIDDEN', exception: { missingAllowances: [scope] } },
});
const unauthenticated = { message: 'Invalid access token', extensions: { code: 'UNAUTHENTICATED' } };
const requestId = { requestId: expect.any(String) };

describe('destinations over GraphQL', () => {
  let api: TestApi;
  let owner: Caller;
  let stranger: Caller;

  /** A destination as SQL leaves it; `insertedAt` as a microsecond UTC string (a JS Date would drop the micros). */
  async function insertDestination(clientId: string, status = 'created', insertedAt?: string): Promise<string> {
    const [row] = await api.em().execute<{ id: string }[]>(
      'insert into destinations (name, client_id, status, inserted_at) values (?, ?, ?, coalesce(?::timestamptz, now())) returning id',
      [`Destination ${status}`, clientId, status, insertedAt ?? null],
    );
    return row!.id;
  }

  const errorsOf = (body: { errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[] }) =>
    body.errors?.map((e) => ({ message: e.message, path: e.path, extensions: e.extensions }));

  beforeAll(async () => {
    api = await createTestApi();
    owner = await api.caller({ scopes: [createScope] });
    stranger = await api.caller({ scopes: [createScope] });
  });
  afterAll(() => api.close());

  it('renders a destination for a token that may manage it, in each status', async () => {
    for (const status of ['created', 'active', 'inactive', 'decommissioned']) {
      const id = await insertDestination(owner.client.id, status);
      const token = await api.token({ clientId: owner.client.id, scopes: [manageScope(id)] });
      const { body } = await api.graphql({
        query: 'query ($id: ID!) { destination(id: $id) { __typename id databaseId name status statusChangedAt insertedAt updatedAt } }',
        variables: { id: toGlobalId('Destination', id) },
        token,
      });
      const [stored] = await api.em().execute<Record<string, string>[]>(
        `select to_char(status_changed_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as status_changed_at,
                to_char(inserted_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as inserted_at,
                to_char(updated_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as updated_at
           from destinations where id = ?`,
        [id],
      );
      expect(body).toEqual({
        data: {
          destination: {
            __typename: 'Destination',
            id: toGlobalId('Destination', id),
            databaseId: id,
            name: `Destination ${status}`,
            status: status.toUpperCase(),
            statusChangedAt: stored?.status_changed_at,
            insertedAt: stored?.inserted_at,
            updatedAt: stored?.updated_at,
          },
        },
        extensions: requestId,
      });
      expect(stored?.inserted_at).toMatch(isoMicros);
    }
  });

  it('refuses destination(id) without a valid token or without the scope naming that destination', async () => {
    const id = await insertDestination(owner.client.id);
    const other = await insertDestination(owner.client.id);
    const query = 'query ($id: ID!) { destination(id: $id) { id } }';
    const cases: [string | undefined, { message: string; extensions: Record<string, unknown> }][] = [
      [undefined, unauthenticated],
      [await api.token({ clientId: owner.client.id, scopes: [manageScope(id)], ttl: -60 }), unauthenticated],
      [await api.token({ scopes: [manageScope(id)] }), unauthenticated],
      [owner.token, forbidden(manageScope(id))],
      // A token for another destination is not enough.
      [await api.token({ clientId: owner.client.id, scopes: [manageScope(other), createScope] }), forbidden(manageScope(id))],
    ];
    for (const [token, error] of cases) {
      const { status, body } = await api.graphql({ query, variables: { id: toGlobalId('Destination', id) }, ...(token ? { token } : {}) });
      expect(status).toBe(200);
      expect(body.data).toEqual({ destination: null });
      expect(errorsOf(body)).toEqual([{ ...error, path: ['destination'] }]);
      expect(body.extensions).toEqual(requestId);
    }
  });

  it('answers null without an error for an unknown id or an id of another type, and refuses a malformed id', async () => {
    const unknown = randomUUID();
    const id = await insertDestination(owner.client.id);
    const token = await api.token({ clientId: owner.client.id, scopes: [manageScope(unknown), manageScope(id)] });
    for (const globalId of [toGlobalId('Destination', unknown), toGlobalId('Task', id), toGlobalId('DeviceRegistryJob', id)]) {
      const { body } = await api.graphql({ query: 'query ($id: ID!) { destination(id: $id) { id } }', variables: { id: globalId }, token });
      expect(body).toEqual({ data: { destination: null }, extensions: requestId });
    }
    const { body } = await api.graphql({ query: '{ destination(id: "nope") { id } }', token });
    expect(body.data).toEqual({ destination: null });
    expect(errorsOf(body)).toEqual([
      {
        message: 'Validation failed',
        path: ['destination'],
        extensions: { code: 'UNPROCESSABLE_ENTITY', exception: { inputErrors: [{ path: '$.id', message: 'is not a valid global id' }] } },
      },
    ]);
  });

  it('resolves a Destination through node(id), behind the same scope', async () => {
    const id = await insertDestination(owner.client.id, 'active');
    const globalId = toGlobalId('Destination', id);
    const query = 'query ($id: ID!) { node(id: $id) { __typename id ... on Destination { databaseId status } } }';
    const token = await api.token({ clientId: owner.client.id, scopes: [manageScope(id)] });
    expect((await api.graphql({ query, variables: { id: globalId }, token })).body).toEqual({
      data: { node: { __typename: 'Destination', id: globalId, databaseId: id, status: 'ACTIVE' } },
      extensions: requestId,
    });

    const refused = await api.graphql({ query, variables: { id: globalId }, token: owner.token });
    expect(refused.body.data).toEqual({ node: null });
    expect(errorsOf(refused.body)).toEqual([{ ...forbidden(manageScope(id)), path: ['node'] }]);

    const unknown = randomUUID();
    const mayManageUnknown = await api.token({ clientId: owner.client.id, scopes: [manageScope(unknown)] });
    expect((await api.graphql({ query, variables: { id: toGlobalId('Destination', unknown) }, token: mayManageUnknown })).body).toEqual({
      data: { node: null },
      extensions: requestId,
    });
  });

  it('refuses destinations(…) without a valid token or without create_destination', async () => {
    const id = await insertDestination(owner.client.id);
    const cases: [string | undefined, { message: string; extensions: Record<string, unknown> }][] = [
      [undefined, unauthenticated],
      [await api.token({ clientId: owner.client.id, scopes: [createScope], ttl: -60 }), unauthenticated],
      [await api.token({ scopes: [createScope] }), unauthenticated],
      // Managing one destination does not let a caller list them.
      [await api.token({ clientId: owner.client.id, scopes: [manageScope(id)] }), forbidden(createScope)],
    ];
    for (const [token, error] of cases) {
      const { status, body } = await api.graphql({ query: '{ destinations { nodes { id } } }', ...(token ? { token } : {}) });
      expect(status).toBe(200);
      expect(body.data).toBeNull();
      expect(errorsOf(body)).toEqual([{ ...error, path: ['destinations'] }]);
      expect(body.extensions).toEqual(requestId);
    }
  });

  it("lists only the caller's client's destinations, filtered, in both orders, page by page", async () => {
    const lister = await api.caller({ scopes: [createScope] });
    // Two destinations share an insert time: the id decides between them.
    const times = ['2026-11-20T10:00:00.000001Z', '2026-11-20T10:00:00.000002Z', '2026-11-20T10:00:00.000002Z', '2026-11-20T11:00:00.000000Z', '2026-11-21T09:30:00.500000Z', '2026-11-22T00:00:00.000000Z', '2026-11-23T00:00:00.000000Z'];
    const statuses = ['created', 'active', 'inactive', 'active', 'decommissioned', 'inactive', 'active'];
    const rows = [];
    for (const [i, insertedAt] of times.entries()) {
      const status = statuses[i]!;
      rows.push({ id: await insertDestination(lister.client.id, status, insertedAt), insertedAt, status });
    }
    await insertDestination(stranger.client.id, 'active', '2026-11-20T10:30:00.000000Z');
    type D = (typeof rows)[number];
    const ascending = (a: D, b: D) => (a.insertedAt === b.insertedAt ? (a.id < b.id ? -1 : 1) : a.insertedAt < b.insertedAt ? -1 : 1);
    const query = `query ($filter: DestinationFilter, $orderBy: DestinationOrderBy, $first: Int, $last: Int, $after: String, $before: String) {
      destinations(filter: $filter, orderBy: $orderBy, first: $first, last: $last, after: $after, before: $before) { ${connectionFields} } }`;
    const list = async (variables: Record<string, unknown>): Promise<DestinationPage> => {
      const { body } = await api.graphql<{ destinations: DestinationPage }>({ query, variables, token: lister.token });
      expect(body.errors).toBeUndefined();
      return body.data!.destinations;
    };

    // INSERTED_AT_ASC by default; the stranger's destination never shows.
    const all = await list({});
    expect(all.nodes.map((n) => n.databaseId)).toEqual([...rows].sort(ascending).map((d) => d.id));
    expect(all.nodes.map((n) => n.status)).toEqual([...rows].sort(ascending).map((d) => d.status.toUpperCase()));
    expect(all.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: false });
    for (const orderBy of ['INSERTED_AT_ASC', 'INSERTED_AT_DESC']) {
      for (const status of [null, 'ACTIVE', 'INACTIVE', 'DECOMMISSIONED']) {
        const sorted = rows.filter((d) => status === null || d.status === status.toLowerCase()).sort(ascending);
        const expected = (orderBy === 'INSERTED_AT_ASC' ? sorted : sorted.reverse()).map((d) => d.id);
        await expectPages(expected, 2, (args) => list({ orderBy, filter: status ? { status } : null, ...args }));
      }
    }

    // A filter written as a literal, and a client with no destinations.
    const { body: literal } = await api.graphql<{ destinations: DestinationPage }>({ query: `{ destinations(filter: { status: CREATED }) { ${connectionFields} } }`, token: lister.token });
    expect(literal.data?.destinations.nodes).toEqual([{ databaseId: rows[0]!.id, status: 'CREATED' }]);
    const empty = await api.caller({ scopes: [createScope] });
    const { body: none } = await api.graphql({ query: `{ destinations { ${connectionFields} } }`, token: empty.token });
    expect(none.data).toEqual({ destinations: { pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null }, nodes: [], edges: [] } });

    const { body } = await api.graphql({ query, variables: { after: 'bm9wZQ==', first: -1 }, token: lister.token });
    expect(body.data).toBeNull();
    expect(errorsOf(body)).toEqual([
      {
        message: 'Validation failed',
        path: ['destinations'],
        extensions: {
          code: 'UNPROCESSABLE_ENTITY',
          exception: { inputErrors: [{ path: '$.first', message: 'must be greater than or equal to 0' }, { path: '$.after', message: 'is not a valid cursor' }] },
        },
      },
    ]);
  });
});

const connectionFields = 'pageInfo { hasNextPage hasPreviousPage startCursor endCursor } nodes { databaseId status } edges { cursor node { databaseId } }';

type DestinationPage = Page<{ databaseId: string; status: string }>;
