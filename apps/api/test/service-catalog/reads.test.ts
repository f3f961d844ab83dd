/**
 * The service catalog's read side over GraphQL (SPEC §6, seed 003): who may read, every filter and
 * order with keyset pages both ways, the nested connections and `node(id)`, and proof that nested
 * connections are batched: the statements a query runs do not grow with the number of parents.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messages } from '@jabba/domain/identity';
import { expectPages, isoMicros, type Page } from '../expect';
import { createTestApi, type Caller, type TestApi } from '../support';
import { toGlobalId } from '../../src/platform/global-ids';

const readScope = 'service_catalog:read';
const pageFields = 'pageInfo { hasNextPage hasPreviousPage startCursor endCursor } nodes { databaseId } edges { cursor node { databaseId } }';
const listArgs = 'filter: $filter, orderBy: $orderBy, first: $first, last: $last, after: $after, before: $before';
const listVars = (type: string) => `$filter: ${type}Filter, $orderBy: ${type}OrderBy, $first: Int, $last: Int, $after: String, $before: String`;
const orders = ['CODE_ASC', 'CODE_DESC', 'INSERTED_AT_ASC', 'INSERTED_AT_DESC', 'NAME_ASC', 'NAME_DESC'] as const;
type Errors = { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[] | undefined;

type Fixture = { id: string; code: string; name: string; insertedAt: string };

describe('service catalog reads over GraphQL', () => {
  let api: TestApi;
  let reader: Caller;
  let instant = 0;
  /** Distinct, increasing insert times (one second apart, with microseconds), so creation order is known. */
  const nextInstant = () => new Date(Date.UTC(2026, 0, 1) + ++instant * 1000).toISOString().replace('Z', '123Z');

  async function insert(table: 'services' | 'service_groups', values: Record<string, unknown>): Promise<Fixture> {
    const row: Record<string, unknown> = { inserted_at: nextInstant(), ...values };
    const columns = Object.keys(row);
    const [inserted] = await api.em().execute<{ id: string }[]>(
      `insert into ${table} (${columns.join(', ')}) values (${columns.map(() => '?').join(', ')}) returning id`,
      Object.values(row),
    );
    return { id: inserted!.id, code: row.code as string, name: row.name as string, insertedAt: row.inserted_at as string };
  }
  const service = (code: string, name: string, more: Record<string, unknown> = {}) => insert('services', { code, name, ...more });
  const group = (code: string, name: string, more: Record<string, unknown> = {}) => insert('service_groups', { code, name, ...more });
  const include = (serviceId: string, groupId: string, isActive = true) =>
    api.em().execute('insert into service_inclusions (service_id, service_group_id, is_active) values (?, ?, ?)', [serviceId, groupId, isActive]);

  async function list(field: 'services' | 'serviceGroups', variables: Record<string, unknown>): Promise<Page> {
    const type = field === 'services' ? 'Service' : 'ServiceGroup';
    const { body } = await api.graphql<Record<string, Page>>({ query: `query (${listVars(type)}) { ${field}(${listArgs}) { ${pageFields} } }`, variables, token: reader.token });
    expect(body.errors).toBeUndefined();
    return body.data![field]!;
  }
  const ids = async (field: 'services' | 'serviceGroups', variables: Record<string, unknown>) => (await list(field, variables)).nodes.map((n) => n.databaseId);
  const errorsOf = (errors: Errors) => errors?.map((e) => ({ message: e.message, path: e.path, extensions: e.extensions }));

  /** The expected order of `rows` under `order`, ties broken by id (uuids compare as their text). */
  function sorted(rows: Fixture[], order: (typeof orders)[number]): string[] {
    const field = order.startsWith('CODE') ? 'code' : order.startsWith('NAME') ? 'name' : 'insertedAt';
    const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
    const asc = [...rows].sort((a, b) => cmp(a[field], b[field]) || cmp(a.id, b.id)).map((r) => r.id);
    return order.endsWith('_ASC') ? asc : asc.reverse();
  }

  beforeAll(async () => {
    api = await createTestApi();
    reader = await api.caller({ scopes: [readScope] });
  });
  afterAll(() => api.close());

  it('refuses every entry point without a token, without the scope, or to a client that is not NHS', async () => {
    const s = await service(`auth-${randomUUID()}`, 'Auth');
    const g = await group(`auth-${randomUUID()}`, 'Auth');
    const queries = [
      { query: '{ services { nodes { id } } }', path: ['services'] },
      { query: '{ serviceGroups { nodes { id } } }', path: ['serviceGroups'] },
      { query: `{ node(id: "${toGlobalId('Service', s.id)}") { id } }`, path: ['node'] },
      { query: `{ node(id: "${toGlobalId('ServiceGroup', g.id)}") { id } }`, path: ['node'] },
    ];
    const writer = await api.caller({ scopes: ['service_catalog:write'] });
    const mis = await api.caller({ scopes: [readScope], clientType: 'MIS' });
    const misWithoutScope = await api.caller({ clientType: 'MIS' });
    const cases = [
      { token: undefined, error: { message: 'Invalid access token', extensions: { code: 'UNAUTHENTICATED' } } },
      ...[writer, misWithoutScope].map(({ token }) => ({
        token,
        error: { message: messages.missingScope([readScope]), extensions: { code: 'FORBIDDEN', exception: { missingAllowances: [readScope] } } },
      })),
      { token: mis.token, error: { message: "You don't have permission to access this resource", extensions: { code: 'FORBIDDEN' } } },
    ];
    for (const { query, path } of queries) {
      for (const { token, error } of cases) {
        const { status, body } = await api.graphql({ query, ...(token ? { token } : {}) });
        expect(status).toBe(200);
        // `node` may be null; the lists may not, so their error nulls `data`.
        expect(body.data).toEqual(path[0] === 'node' ? { node: null } : null);
        expect(errorsOf(body.errors)).toEqual([{ ...error, path }]);
      }
    }
  });

  it('renders every field, through the lists and node(id); an unknown id is null, a malformed one refused', async () => {
    const parent = await group(`render-${randomUUID()}`, 'Parent group', { request_allowed: false });
    const child = await group(`render-${randomUUID()}`, 'Child group', { parent_group_id: parent.id, is_active: false });
    const s = await service(`render-${randomUUID()}`, 'Rendered', { category: 'imaging', is_composition: true, request_allowed: false });
    const serviceFields = '__typename id databaseId name code category isActive requestAllowed isComposition insertedAt updatedAt';
    const groupFields = '__typename id databaseId name code isActive requestAllowed insertedAt updatedAt parentGroup { databaseId }';
    const { body } = await api.graphql({
      query: `query ($s: ID!, $g: ID!, $code: String) {
        s: node(id: $s) { ... on Service { ${serviceFields} } }
        g: node(id: $g) { ... on ServiceGroup { ${groupFields} } }
        services(filter: { code: $code }) { nodes { ${serviceFields} } }
        unknown: node(id: "${toGlobalId('Service', randomUUID())}") { id }
        wrongType: node(id: "${toGlobalId('ServiceGroup', s.id)}") { id }
      }`,
      variables: { s: toGlobalId('Service', s.id), g: toGlobalId('ServiceGroup', child.id), code: s.code },
      token: reader.token,
    });
    const renderedService = {
      __typename: 'Service', id: toGlobalId('Service', s.id), databaseId: s.id, name: 'Rendered', code: s.code, category: 'imaging',
      isActive: true, requestAllowed: false, isComposition: true, insertedAt: s.insertedAt, updatedAt: expect.stringMatching(isoMicros),
    };
    expect(body.errors).toBeUndefined();
    expect(body.data).toEqual({
      s: renderedService,
      g: {
        __typename: 'ServiceGroup', id: toGlobalId('ServiceGroup', child.id), databaseId: child.id, name: 'Child group', code: child.code,
        isActive: false, requestAllowed: true, insertedAt: child.insertedAt, updatedAt: expect.stringMatching(isoMicros), parentGroup: { databaseId: parent.id },
      },
      services: { nodes: [renderedService] },
      unknown: null,
      wrongType: null,
    });
    const malformed = await api.graphql({ query: '{ node(id: "Service:not-base64") { id } }', token: reader.token });
    expect(errorsOf(malformed.body.errors)).toEqual([{
      message: 'Validation failed', path: ['node'],
      extensions: { code: 'UNPROCESSABLE_ENTITY', exception: { inputErrors: [{ path: '$.id', message: 'is not a valid global id' }] } },
    }]);
  });

  it('filters services by name and category (substring, any case), code (prefix), databaseId and isActive', async () => {
    const tag = `F${randomUUID().slice(0, 8)}`;
    const a = await service(`${tag}-lab-1`, 'Blood 100% test', { category: 'laboratory_procedure' });
    const b = await service(`${tag}-lab-2`, 'blood sugar', { category: 'laboratory_procedure', is_active: false });
    const c = await service(`${tag}-img-1`, 'Chest X-ray', { category: 'imaging' });
    const within = (filter: Record<string, unknown>) => ids('services', { filter: { code: tag, ...filter }, orderBy: 'INSERTED_AT_ASC' });
    expect(await within({})).toEqual([a.id, b.id, c.id]);
    expect(await within({ name: 'BLOOD' })).toEqual([a.id, b.id]);
    expect(await within({ name: '100%' })).toEqual([a.id]);
    expect(await within({ name: '1_0' })).toEqual([]);
    expect(await within({ category: 'LABORATORY' })).toEqual([a.id, b.id]);
    expect(await within({ category: 'aging' })).toEqual([c.id]);
    expect(await ids('services', { filter: { code: `${tag}-lab` } })).toEqual([b.id, a.id]);
    expect(await ids('services', { filter: { code: `${tag}-LAB` } })).toEqual([]);
    expect(await ids('services', { filter: { code: 'lab-1' } })).toEqual([]);
    expect(await within({ databaseId: c.id })).toEqual([c.id]);
    expect(await within({ isActive: false })).toEqual([b.id]);
    expect(await within({ isActive: true, name: null })).toEqual([a.id, c.id]);
  });

  it('filters service groups by their fields and, nested, by their parent group and its parent', async () => {
    const tag = `G${randomUUID().slice(0, 8)}`;
    const root = await group(`${tag}-root`, 'Root Diagnostics');
    const mid = await group(`${tag}-mid`, 'Middle', { parent_group_id: root.id });
    const leaf = await group(`${tag}-leaf`, 'Leaf', { parent_group_id: mid.id, is_active: false });
    const other = await group(`${tag}-other`, 'Other diagnostics', { parent_group_id: root.id });
    const within = (filter: Record<string, unknown>) => ids('serviceGroups', { filter: { code: tag, ...filter }, orderBy: 'INSERTED_AT_ASC' });
    expect(await within({ name: 'diagnostics' })).toEqual([root.id, other.id]);
    expect(await within({ isActive: false })).toEqual([leaf.id]);
    expect(await within({ databaseId: mid.id })).toEqual([mid.id]);
    expect(await within({ parentGroup: {} })).toEqual([mid.id, leaf.id, other.id]);
    expect(await within({ parentGroup: { databaseId: root.id } })).toEqual([mid.id, other.id]);
    expect(await within({ parentGroup: { name: 'MIDDLE', isActive: true } })).toEqual([leaf.id]);
    expect(await within({ parentGroup: { parentGroup: { code: `${tag}-root` } } })).toEqual([leaf.id]);
    expect(await within({ parentGroup: { isActive: false } })).toEqual([]);
    // Each level is a subquery: nesting is bounded.
    const nested = (depth: number): Record<string, unknown> => (depth === 0 ? { isActive: true } : { parentGroup: nested(depth - 1) });
    expect(await within(nested(8))).toEqual([]);
    const { body } = await api.graphql({ query: 'query ($f: ServiceGroupFilter) { serviceGroups(filter: $f) { nodes { id } } }', variables: { f: nested(9) }, token: reader.token });
    expect(errorsOf(body.errors)).toEqual([{
      message: 'Validation failed', path: ['serviceGroups'],
      extensions: { code: 'UNPROCESSABLE_ENTITY', exception: { inputErrors: [{ path: `$.filter${'.parentGroup'.repeat(9)}`, message: 'must not be nested more than 8 levels deep' }] } },
    }]);
  });

  it('orders both lists by each order (INSERTED_AT_DESC by default) and pages forward and backward', async () => {
    const tag = `O${randomUUID().slice(0, 8)}`;
    const names = ['delta', 'alpha', 'charlie', 'alpha', 'bravo'];
    const codes = ['c', 'e', 'a', 'd', 'b'];
    const rows = { services: [] as Fixture[], serviceGroups: [] as Fixture[] };
    for (const [i, name] of names.entries()) {
      rows.services.push(await service(`${tag}-${codes[i]}`, name));
      rows.serviceGroups.push(await group(`${tag}-${codes[i]}`, name));
    }
    for (const field of ['services', 'serviceGroups'] as const) {
      expect(await ids(field, { filter: { code: tag } })).toEqual(sorted(rows[field], 'INSERTED_AT_DESC'));
      for (const orderBy of orders) {
        await expectPages(sorted(rows[field], orderBy), 2, (page) => list(field, { filter: { code: tag }, orderBy, ...page }));
      }
    }
  });

  it('lists the whole catalog without any filter or cursor (the first page of everything)', async () => {
    const tag = `W${randomUUID().slice(0, 8)}`;
    const rows = { services: await service(`${tag}-s`, 'whole service'), serviceGroups: await group(`${tag}-g`, 'whole group') };
    for (const field of ['services', 'serviceGroups'] as const) {
      for (const variables of [{}, { first: 500 }, { last: 500 }]) {
        expect(await ids(field, variables)).toContain(rows[field].id);
      }
    }
  });

  it('takes a cursor of another order as a position in the new one, and refuses a cursor that is not ours', async () => {
    const tag = `C${randomUUID().slice(0, 8)}`;
    const rows = [await service(`${tag}-b`, 'one'), await service(`${tag}-a`, 'two'), await service(`${tag}-c`, 'three')];
    const byCode = await list('services', { filter: { code: tag }, orderBy: 'CODE_ASC', first: 1 });
    expect(byCode.nodes.map((n) => n.databaseId)).toEqual([rows[1]!.id]);
    // `${tag}-a` is named "two": after it by name comes nothing.
    expect(await ids('services', { filter: { code: tag }, orderBy: 'NAME_ASC', after: byCode.pageInfo.endCursor })).toEqual([]);
    expect(await ids('services', { filter: { code: tag }, orderBy: 'NAME_ASC', before: byCode.pageInfo.endCursor })).toEqual([rows[0]!.id, rows[2]!.id]);
    const foreign = Buffer.from(JSON.stringify(['2026-01-01T00:00:00.000000Z', randomUUID()])).toString('base64');
    const { body } = await api.graphql({ query: `query ($after: String) { services(after: $after, last: 501) { nodes { id } } }`, variables: { after: foreign }, token: reader.token });
    expect(errorsOf(body.errors)).toEqual([{
      message: 'Validation failed', path: ['services'],
      extensions: { code: 'UNPROCESSABLE_ENTITY', exception: { inputErrors: [{ path: '$.last', message: 'must be less than or equal to 500' }, { path: '$.after', message: 'is not a valid cursor' }] } },
    }]);
  });

  it('reads the nested connections: services of a group (active inclusions), groups of a service, sub-groups and parent', async () => {
    const tag = `N${randomUUID().slice(0, 8)}`;
    const root = await group(`${tag}-root`, 'Root');
    const subs = [await group(`${tag}-s1`, 'Sub 1', { parent_group_id: root.id }), await group(`${tag}-s2`, 'Sub 2', { parent_group_id: root.id, is_active: false })];
    const svc = [await service(`${tag}-x`, 'Xray'), await service(`${tag}-y`, 'Yoga'), await service(`${tag}-z`, 'Zinc', { is_active: false })];
    for (const s of svc) await include(s.id, root.id);
    const removed = await service(`${tag}-w`, 'Withdrawn');
    await include(removed.id, root.id, false);
    await include(svc[0]!.id, subs[0]!.id);
    const { body } = await api.graphql({
      query: `query ($id: ID!, $sid: ID!) {
        g: node(id: $id) { ... on ServiceGroup {
          parentGroup { databaseId }
          subGroups(orderBy: CODE_ASC) { nodes { databaseId parentGroup { databaseId } } }
          activeSubGroups: subGroups(filter: { isActive: true }) { nodes { databaseId } }
          services(orderBy: NAME_ASC) { nodes { databaseId } }
          firstService: services(orderBy: NAME_DESC, first: 1) { ${pageFields} }
          activeServices: services(filter: { isActive: true, name: "YOG" }) { nodes { databaseId } }
        } }
        s: node(id: $sid) { ... on Service { serviceGroups(orderBy: CODE_DESC) { nodes { databaseId } } } }
      }`,
      variables: { id: toGlobalId('ServiceGroup', root.id), sid: toGlobalId('Service', svc[0]!.id) },
      token: reader.token,
    });
    expect(body.errors).toBeUndefined();
    const g = (body.data as { g: Record<string, Page & { nodes: Record<string, unknown>[] }> }).g;
    expect(g.parentGroup).toBeNull();
    expect(g.subGroups!.nodes).toEqual(subs.map((s) => ({ databaseId: s.id, parentGroup: { databaseId: root.id } })));
    expect(g.activeSubGroups!.nodes).toEqual([{ databaseId: subs[0]!.id }]);
    expect(g.services!.nodes).toEqual(svc.map((s) => ({ databaseId: s.id })));
    expect(g.firstService!.nodes).toEqual([{ databaseId: svc[2]!.id }]);
    expect(g.firstService!.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    expect(g.activeServices!.nodes).toEqual([{ databaseId: svc[1]!.id }]);
    expect(body.data).toMatchObject({ s: { serviceGroups: { nodes: [{ databaseId: subs[0]!.id }, { databaseId: root.id }] } } });
    // Paging a nested connection both ways, with cursors.
    const nested = async (page: Record<string, unknown>): Promise<Page> => {
      const result = await api.graphql<{ node: { services: Page } }>({
        query: `query ($id: ID!, $orderBy: ServiceOrderBy, $first: Int, $last: Int, $after: String, $before: String) {
          node(id: $id) { ... on ServiceGroup { services(orderBy: $orderBy, first: $first, last: $last, after: $after, before: $before) { ${pageFields} } } } }`,
        variables: { id: toGlobalId('ServiceGroup', root.id), ...page },
        token: reader.token,
      });
      expect(result.body.errors).toBeUndefined();
      return result.body.data!.node.services;
    };
    for (const orderBy of orders) await expectPages(sorted(svc, orderBy), 2, (page) => nested({ orderBy, ...page }));
  });

  it('answers nested connections of 20 groups with as many statements as of 2 (batched, no N+1)', async () => {
    const tag = `B${randomUUID().slice(0, 8)}`;
    const parent = await group(`${tag}-parent`, 'Parent');
    for (let i = 0; i < 20; i++) {
      const g = await group(`${tag}-${String(i).padStart(2, '0')}`, `Group ${i}`, { parent_group_id: parent.id });
      await group(`${tag}-${i}-sub`, `Sub ${i}`, { parent_group_id: g.id });
      for (let j = 0; j < 3; j++) {
        const s = await service(`${tag}-${i}-${j}`, `Service ${i}.${j}`);
        await include(s.id, g.id);
      }
    }
    const knex = api.orm.em.getConnection().getKnex();
    /** The statements a query runs besides authentication's client lookup, and its list's nodes. */
    const run = async (query: string): Promise<{ statements: string[]; nodes: Record<string, { nodes: unknown[] }>[] }> => {
      const statements: string[] = [];
      const record = ({ sql }: { sql: string }) => statements.push(sql);
      knex.on('query', record);
      try {
        const { body } = await api.graphql<Record<string, { nodes: Record<string, { nodes: unknown[] }>[] }>>({ query, token: reader.token });
        expect(body.errors).toBeUndefined();
        return { statements: statements.filter((sql) => !/\bfrom clients\b/.test(sql)), nodes: Object.values(body.data!)[0]!.nodes };
      } finally {
        knex.off('query', record);
      }
    };
    const groups = (first: number) => run(`{ serviceGroups(filter: { code: "${tag}-", parentGroup: { code: "${tag}-parent" } }, orderBy: CODE_ASC, first: ${first}) {
      nodes { parentGroup { id } subGroups { nodes { id } } services(first: 10) { nodes { id } } } } }`);
    const few = await groups(2);
    const many = await groups(20);
    expect(many.nodes).toHaveLength(20);
    expect(many.nodes.every((g) => g.services!.nodes.length === 3 && g.subGroups!.nodes.length === 1)).toBe(true);
    // The page, then one statement for each nested field: parentGroup, subGroups, services.
    expect(few.statements).toHaveLength(4);
    expect(many.statements).toHaveLength(4);
    // From the other side: 60 services, each with its groups (the default cost limit stops a third level).
    const services = (first: number) => run(`{ services(filter: { code: "${tag}-" }, first: ${first}) { nodes { serviceGroups { nodes { id } } } } }`);
    const oneService = await services(1);
    const allServices = await services(60);
    expect(allServices.nodes).toHaveLength(60);
    expect(allServices.nodes.every((s) => s.serviceGroups!.nodes.length === 1)).toBe(true);
    expect([oneService.statements.length, allServices.statements.length]).toEqual([2, 2]);
  });
});
