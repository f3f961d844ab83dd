/**
 * GraphQL `mergeRequest(id)`, `mergeRequests(…)` and `node(id)` for merge requests (SPEC §5, seed
 * 000): the seed's types rendered from one request row, only the caller's own requests, the open
 * ones page by page in every order, and `canAssignNew` in each case. Requests are set up with SQL.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectPages, isoMicros, type Page } from '../expect';
import { createTestApi, type Caller, type TestApi } from '../support';
import { toGlobalId } from '../../src/platform/global-ids';

const readScope = 'merge_request:read';
const requestId = { requestId: expect.any(String) };
const errorsOf = (body: { errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[] }) =>
  body.errors?.map((e) => ({ message: e.message, path: e.path, extensions: e.extensions }));

const requestFields = `id databaseId status comment insertedAt updatedAt
  manualMergeCandidate { id databaseId status insertedAt updatedAt
    mergeCandidate { id databaseId person { id databaseId firstName lastName birthDate } masterPerson { id databaseId firstName lastName birthDate } } }`;
const connectionFields = 'canAssignNew pageInfo { hasNextPage hasPreviousPage startCursor endCursor } nodes { databaseId status } edges { cursor node { databaseId } }';
type RequestPage = Page<{ databaseId: string; status: string }> & { canAssignNew: boolean };

const micros = (column: string) => `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

describe('merge requests over GraphQL', () => {
  let api: TestApi;
  let reviewer: Caller;

  async function insertPerson(details: { firstName?: string; lastName?: string; birthDate?: string } = {}): Promise<string> {
    const id = randomUUID();
    await api.em().execute('insert into persons (id, first_name, last_name, birth_date) values (?, ?, ?, ?)', [
      id, details.firstName ?? null, details.lastName ?? null, details.birthDate ?? null,
    ]);
    return id;
  }

  async function insertCandidate(assigneeId: string | null = null) {
    const personId = await insertPerson();
    const masterPersonId = await insertPerson();
    const mergeCandidateId = randomUUID();
    const [row] = await api.em().execute<{ id: string }[]>(
      'insert into manual_merge_candidates (merge_candidate_id, person_id, master_person_id, assignee_id) values (?, ?, ?, ?) returning id',
      [mergeCandidateId, personId, masterPersonId, assigneeId],
    );
    return { id: row!.id, mergeCandidateId, personId, masterPersonId };
  }

  /** A request of `assigneeId` on a fresh candidate; the candidate is held while the request is NEW. */
  async function insertRequest(assigneeId: string, status = 'NEW', insertedAt?: string): Promise<string> {
    const candidate = await insertCandidate(status === 'NEW' ? assigneeId : null);
    const [row] = await api.em().execute<{ id: string }[]>(
      `insert into manual_merge_requests (manual_merge_candidate_id, assignee_id, status, inserted_at)
       values (?, ?, ?, coalesce(?::timestamptz, now())) returning id`,
      [candidate.id, assigneeId, status, insertedAt ?? null],
    );
    return row!.id;
  }

  const list = async (token: string, variables: Record<string, unknown> = {}): Promise<RequestPage> => {
    const query = `query ($filter: MergeRequestFilter, $orderBy: MergeRequestOrderBy, $first: Int, $last: Int, $after: String, $before: String) {
      mergeRequests(filter: $filter, orderBy: $orderBy, first: $first, last: $last, after: $after, before: $before) { ${connectionFields} } }`;
    const { body } = await api.graphql<{ mergeRequests: RequestPage }>({ query, variables, token });
    expect(body.errors).toBeUndefined();
    return body.data!.mergeRequests;
  };

  beforeAll(async () => {
    api = await createTestApi();
    reviewer = await api.caller({ scopes: [readScope] });
  });
  afterAll(() => api.close());

  it("renders the caller's request with its candidate and both persons, exactly as stored", async () => {
    const personId = await insertPerson({ firstName: 'Петро', lastName: 'Шевченко', birthDate: '1987-02-28' });
    const masterPersonId = await insertPerson({ firstName: 'Petro' });
    const mergeCandidateId = randomUUID();
    const [candidate] = await api.em().execute<{ id: string }[]>(
      'insert into manual_merge_candidates (merge_candidate_id, person_id, master_person_id, assignee_id) values (?, ?, ?, ?) returning id',
      [mergeCandidateId, personId, masterPersonId, reviewer.userId],
    );
    const [request] = await api.em().execute<Record<string, string>[]>(
      `insert into manual_merge_requests (manual_merge_candidate_id, assignee_id, status, comment) values (?, ?, 'NEW', 'look at the birth date')
       returning id, ${micros('inserted_at')} as inserted_at, ${micros('updated_at')} as updated_at`,
      [candidate!.id, reviewer.userId],
    );
    const [stored] = await api.em().execute<Record<string, string>[]>(
      `select ${micros('inserted_at')} as inserted_at, ${micros('updated_at')} as updated_at from manual_merge_candidates where id = ?`,
      [candidate!.id],
    );
    const id = request!.id!;
    const expected = {
      id: toGlobalId('MergeRequest', id),
      databaseId: id,
      status: 'NEW',
      comment: 'look at the birth date',
      insertedAt: request!.inserted_at,
      updatedAt: request!.updated_at,
      manualMergeCandidate: {
        id: toGlobalId('ManualMergeCandidate', candidate!.id),
        databaseId: candidate!.id,
        status: 'NEW',
        insertedAt: stored!.inserted_at,
        updatedAt: stored!.updated_at,
        mergeCandidate: {
          id: toGlobalId('MergeCandidate', mergeCandidateId),
          databaseId: mergeCandidateId,
          person: { id: toGlobalId('Person', personId), databaseId: personId, firstName: 'Петро', lastName: 'Шевченко', birthDate: '1987-02-28' },
          masterPerson: { id: toGlobalId('Person', masterPersonId), databaseId: masterPersonId, firstName: 'Petro', lastName: null, birthDate: null },
        },
      },
    };
    expect(request!.inserted_at).toMatch(isoMicros);

    const byId = await api.graphql({ query: `query ($id: ID!) { mergeRequest(id: $id) { ${requestFields} } }`, variables: { id: expected.id }, token: reviewer.token });
    expect(byId.body).toEqual({ data: { mergeRequest: expected }, extensions: requestId });
    const byNode = await api.graphql({
      query: `query ($id: ID!) { node(id: $id) { __typename ... on MergeRequest { ${requestFields} } } }`, variables: { id: expected.id }, token: reviewer.token,
    });
    expect(byNode.body).toEqual({ data: { node: { __typename: 'MergeRequest', ...expected } }, extensions: requestId });
    const listed = await api.graphql({ query: `{ mergeRequests { nodes { ${requestFields} } } }`, token: reviewer.token });
    expect(listed.body).toEqual({ data: { mergeRequests: { nodes: [expected] } }, extensions: requestId });
    await api.em().execute('delete from manual_merge_requests where id = ?', [id]);
  });

  it('refuses without a valid token or without merge_request:read', async () => {
    const id = toGlobalId('MergeRequest', await insertRequest(reviewer.userId, 'POSTPONE'));
    const forbidden = {
      message: `Your scope does not allow to access this resource. Missing allowances: ${readScope}`,
      extensions: { code: 'FORBIDDEN', exception: { missingAllowances: [readScope] } },
    };
    const unauthenticated = { message: 'Invalid access token', extensions: { code: 'UNAUTHENTICATED' } };
    const cases: [string | undefined, { message: string; extensions: Record<string, unknown> }][] = [
      [undefined, unauthenticated],
      [await api.token({ userId: reviewer.userId, clientId: reviewer.client.id, scopes: [readScope], ttl: -60 }), unauthenticated],
      [await api.token({ userId: reviewer.userId, clientId: reviewer.client.id, scopes: ['merge_request:write'] }), forbidden],
    ];
    for (const [token, error] of cases) {
      for (const [field, query] of [
        ['mergeRequest', `{ mergeRequest(id: "${id}") { id } }`],
        ['node', `{ node(id: "${id}") { id } }`],
        ['mergeRequests', '{ mergeRequests { canAssignNew } }'],
      ] as const) {
        const { status, body } = await api.graphql({ query, ...(token ? { token } : {}) });
        expect(status).toBe(200);
        expect(body.data).toEqual(field === 'mergeRequests' ? null : { [field]: null });
        // node() checks the token itself, before the loader asks for the scope.
        expect(errorsOf(body)).toEqual([{ ...error, path: [field] }]);
        expect(body.extensions).toEqual(requestId);
      }
    }
    await api.em().execute('delete from manual_merge_requests where assignee_id = ?', [reviewer.userId]);
  });

  it("answers null for another reviewer's request, an unknown id or another type's id, and refuses a malformed id", async () => {
    const other = await api.caller({ scopes: [readScope] });
    const theirs = await insertRequest(other.userId, 'NEW');
    const decided = await insertRequest(reviewer.userId, 'MERGE');
    const ids = [toGlobalId('MergeRequest', theirs), toGlobalId('MergeRequest', randomUUID()), toGlobalId('ManualMergeCandidate', decided), toGlobalId('Person', decided)];
    for (const id of ids) {
      const { body } = await api.graphql({ query: 'query ($id: ID!) { mergeRequest(id: $id) { id } }', variables: { id }, token: reviewer.token });
      expect(body).toEqual({ data: { mergeRequest: null }, extensions: requestId });
      const node = await api.graphql({ query: 'query ($id: ID!) { node(id: $id) { id } }', variables: { id }, token: reviewer.token });
      expect(node.body).toEqual({ data: { node: null }, extensions: requestId });
    }
    // One's own request is readable by id whatever its status; the list shows only the open ones.
    const own = await api.graphql({ query: `{ mergeRequest(id: "${toGlobalId('MergeRequest', decided)}") { databaseId status } }`, token: reviewer.token });
    expect(own.body.data).toEqual({ mergeRequest: { databaseId: decided, status: 'MERGE' } });
    expect((await list(other.token)).nodes).toEqual([{ databaseId: theirs, status: 'NEW' }]);

    const { body } = await api.graphql({ query: '{ mergeRequest(id: "nope") { id } }', token: reviewer.token });
    expect(body.data).toEqual({ mergeRequest: null });
    expect(errorsOf(body)).toEqual([{
      message: 'Validation failed',
      path: ['mergeRequest'],
      extensions: { code: 'UNPROCESSABLE_ENTITY', exception: { inputErrors: [{ path: '$.id', message: 'is not a valid global id' }] } },
    }]);
    await api.em().execute('delete from manual_merge_requests where assignee_id = ?', [reviewer.userId]);
  });

  it("lists the caller's NEW and POSTPONE requests only, filtered, in every order, page by page", async () => {
    const lister = await api.caller({ scopes: [readScope] });
    // Two requests share an insert time: the id decides between them.
    const open = [
      ['2026-11-20T10:00:00.000001Z', 'POSTPONE'], ['2026-11-20T10:00:00.000002Z', 'POSTPONE'], ['2026-11-20T10:00:00.000002Z', 'POSTPONE'],
      ['2026-11-20T11:00:00.000000Z', 'NEW'], ['2026-11-21T09:30:00.500000Z', 'POSTPONE'], ['2026-11-22T00:00:00.000000Z', 'POSTPONE'],
    ] as const;
    const rows = [];
    for (const [insertedAt, status] of open) rows.push({ id: await insertRequest(lister.userId, status, insertedAt), insertedAt, status: status as string });
    for (const status of ['MERGE', 'SPLIT', 'TRASH']) await insertRequest(lister.userId, status, '2026-11-20T10:30:00.000000Z');
    await insertRequest(reviewer.userId, 'POSTPONE', '2026-11-20T10:30:00.000000Z');
    type R = (typeof rows)[number];
    const byTime = (a: R, b: R) => (a.insertedAt === b.insertedAt ? (a.id < b.id ? -1 : 1) : a.insertedAt < b.insertedAt ? -1 : 1);
    const byStatus = (a: R, b: R) => (a.status === b.status ? byTime(a, b) : a.status < b.status ? -1 : 1);

    const all = await list(lister.token);
    expect(all.nodes.map((n) => n.databaseId)).toEqual([...rows].sort(byTime).map((r) => r.id));
    expect(all.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: false });
    const orders = { INSERTED_AT_ASC: byTime, INSERTED_AT_DESC: byTime, STATUS_ASC: byStatus, STATUS_DESC: byStatus };
    for (const [orderBy, compare] of Object.entries(orders)) {
      for (const status of [null, 'NEW', 'POSTPONE', 'MERGE']) {
        const sorted = rows.filter((r) => status === null || r.status === status).sort(compare);
        const expected = (orderBy.endsWith('_ASC') ? sorted : sorted.reverse()).map((r) => r.id);
        await expectPages(expected, 2, (args) => list(lister.token, { orderBy, filter: status ? { status } : null, ...args }));
      }
    }
    // A cursor holds every order's key, so it stays valid when the order changes.
    const first = await list(lister.token, { orderBy: 'STATUS_ASC', first: 1 });
    expect(first.nodes.map((n) => n.status)).toEqual(['NEW']);
    const after = await list(lister.token, { orderBy: 'INSERTED_AT_ASC', after: first.pageInfo.endCursor });
    expect(after.nodes.map((n) => n.databaseId)).toEqual([...rows].sort(byTime).slice(4).map((r) => r.id));

    const { body } = await api.graphql({ query: '{ mergeRequests(first: 501, before: "bm9wZQ==") { canAssignNew } }', token: lister.token });
    expect(body.data).toBeNull();
    expect(errorsOf(body)).toEqual([{
      message: 'Validation failed',
      path: ['mergeRequests'],
      extensions: {
        code: 'UNPROCESSABLE_ENTITY',
        exception: { inputErrors: [{ path: '$.first', message: 'must be less than or equal to 500' }, { path: '$.before', message: 'is not a valid cursor' }] },
      },
    }]);
  });

  it('tells canAssignNew: true without open requests, false with a NEW one or at the postponed limit', async () => {
    const fresh = await api.caller({ scopes: [readScope] });
    const canAssign = async () => (await list(fresh.token, { first: 0 })).canAssignNew;
    expect(await canAssign()).toBe(true);
    // Decided requests do not count.
    for (const status of ['MERGE', 'SPLIT', 'TRASH']) await insertRequest(fresh.userId, status);
    expect(await canAssign()).toBe(true);
    const postponed = [];
    for (let i = 1; i < api.config.MAX_POSTPONED_MERGE_REQUESTS; i += 1) postponed.push(await insertRequest(fresh.userId, 'POSTPONE'));
    expect(await canAssign()).toBe(true);
    const newOne = await insertRequest(fresh.userId, 'NEW');
    expect(await canAssign()).toBe(false);
    await api.em().execute(`update manual_merge_requests set status = 'SPLIT' where id = ?`, [newOne]);
    expect(await canAssign()).toBe(true);
    await insertRequest(fresh.userId, 'POSTPONE');
    expect(api.config.MAX_POSTPONED_MERGE_REQUESTS).toBe(5);
    expect(await canAssign()).toBe(false);
    // Whatever the filter or the page, the flag is the caller's.
    expect((await list(fresh.token, { filter: { status: 'NEW' } })).canAssignNew).toBe(false);
    await api.em().execute(`update manual_merge_requests set status = 'TRASH' where id = ?`, [postponed[0]]);
    expect(await canAssign()).toBe(true);
  });
});

describe('canAssignNew with MAX_POSTPONED_MERGE_REQUESTS configured', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await createTestApi({ env: { MAX_POSTPONED_MERGE_REQUESTS: '1' } });
  });
  afterAll(() => api.close());

  it('is false from the configured number of POSTPONE requests', async () => {
    const caller = await api.caller({ scopes: [readScope] });
    const query = '{ mergeRequests { canAssignNew nodes { status } } }';
    expect((await api.graphql({ query, token: caller.token })).body.data).toEqual({ mergeRequests: { canAssignNew: true, nodes: [] } });
    const [person, master] = [randomUUID(), randomUUID()];
    await api.em().execute('insert into persons (id) values (?), (?)', [person, master]);
    await api.em().execute(
      `with c as (insert into manual_merge_candidates (merge_candidate_id, person_id, master_person_id) values (?, ?, ?) returning id)
       insert into manual_merge_requests (manual_merge_candidate_id, assignee_id, status) select id, ?, 'POSTPONE' from c`,
      [randomUUID(), person, master, caller.userId],
    );
    expect((await api.graphql({ query, token: caller.token })).body.data).toEqual({ mergeRequests: { canAssignNew: false, nodes: [{ status: 'POSTPONE' }] } });
  });
});
