/**
 * GraphQL service group mutations (SPEC §6, seed 003): `createServiceGroup` (parent, codes unique
 * among active groups), `updateServiceGroup`, `deactivateServiceGroup` (refused while the group
 * includes an active service), `addServiceToGroup` / `deleteServiceFromGroup`, and the checks every
 * one of the eight catalog mutations makes first: scope `service_catalog:write`, then an NHS client.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ClientType, messages } from '@jabba/domain/identity';
import { catalogInputTypes, errorsOf, invalid, refused, type CatalogMutation } from './fixtures';
import { createTestApi, insertClient, type TestApi } from '../support';
import { toGlobalId } from '../../src/platform/global-ids';

const write = 'service_catalog:write';
const groupFields = 'serviceGroup { databaseId name code isActive requestAllowed }';
type Field = CatalogMutation;
const selectionOf = (field: Field) => (field.endsWith('Service') ? 'service { databaseId }' : groupFields);
const mutationOf = (field: Field) =>
  `mutation ($input: ${catalogInputTypes[field]}!) { ${field}(input: $input) { ${selectionOf(field)} } }`;

describe('service group mutations', () => {
  let api: TestApi;
  let writer: string;
  const userId = randomUUID();

  async function tokenFor(scopes: string[], clientType: ClientType = 'NHS'): Promise<string> {
    const client = await insertClient(api.em(), { type: clientType });
    return api.token({ userId, clientId: client.id, scopes });
  }

  async function run(field: Field, input: Record<string, unknown>, token = writer): Promise<{ data: unknown; errors: unknown }> {
    const { status, body } = await api.graphql({ query: mutationOf(field), variables: { input }, token });
    expect(status).toBe(200);
    return { data: body.data, errors: errorsOf(body) };
  }

  const insertService = async (isActive = true): Promise<string> => {
    const [row] = await api.em().execute<{ id: string }[]>(
      `insert into services (code, name, is_active) values (?, 'Fixture', ?) returning id`, [`S-${randomUUID()}`, isActive]);
    return row!.id;
  };
  const insertGroup = async (isActive = true): Promise<string> => {
    const [row] = await api.em().execute<{ id: string }[]>(
      `insert into service_groups (code, name, is_active) values (?, 'Fixture', ?) returning id`, [`G-${randomUUID()}`, isActive]);
    return row!.id;
  };
  const include = (serviceId: string, groupId: string) =>
    api.em().execute('insert into service_inclusions (service_id, service_group_id) values (?, ?)', [serviceId, groupId]);
  const groupRow = async (id: string) =>
    (await api.em().execute(`select code, name, is_active, parent_group_id, request_allowed, inserted_by, updated_by,
            updated_at > inserted_at as touched from service_groups where id = ?`, [id]))[0];
  const inclusionsOf = (groupId: string) => api.em().execute(
    'select service_id, is_active, inserted_by, updated_by from service_inclusions where service_group_id = ? order by inserted_at, is_active', [groupId]);
  const sid = (id: string) => toGlobalId('Service', id);
  const gid = (id: string) => toGlobalId('ServiceGroup', id);
  const group = (field: Field, databaseId: string, extra: Record<string, unknown> = {}) =>
    ({ data: { [field]: { serviceGroup: expect.objectContaining({ databaseId, ...extra }) } }, errors: undefined });

  beforeAll(async () => {
    api = await createTestApi();
    writer = await tokenFor([write]);
  });
  afterAll(() => api.close());

  it('every mutation checks the scope first, then the NHS client, and changes nothing when refused', async () => {
    const [service, groupId] = [await insertService(), await insertGroup()];
    const inputs: Record<Field, Record<string, unknown>> = {
      createService: { name: 'N', code: `C-${randomUUID()}` },
      updateService: { id: sid(service), requestAllowed: false },
      deactivateService: { id: sid(service) },
      createServiceGroup: { name: 'N', code: `C-${randomUUID()}`, requestAllowed: true },
      updateServiceGroup: { id: gid(groupId), requestAllowed: false },
      deactivateServiceGroup: { id: gid(groupId) },
      addServiceToGroup: { serviceId: sid(service), serviceGroupId: gid(groupId) },
      deleteServiceFromGroup: { serviceId: sid(service), serviceGroupId: gid(groupId) },
    };
    const noScope = refused('createService', 'FORBIDDEN', messages.missingScope([write]), { missingAllowances: [write] });
    const tokens: [string, typeof noScope][] = [
      [await tokenFor(['service_catalog:read']), noScope],
      [await tokenFor([], 'MIS'), noScope],
      [await tokenFor([write], 'MIS'), refused('createService', 'FORBIDDEN', messages.clientTypeForbidden)],
      [await tokenFor([write], 'PHARMACY'), refused('createService', 'FORBIDDEN', messages.clientTypeForbidden)],
    ];
    for (const [token, expected] of tokens) {
      for (const field of Object.keys(inputs) as Field[]) {
        const errors = expected.errors.map((e) => ({ ...e, path: [field] }));
        expect(await run(field, inputs[field], token), field).toEqual({ data: { [field]: null }, errors });
      }
    }
    expect(await api.em().execute('select count(*)::int as n from services where is_active and request_allowed and id = ?', [service])).toEqual([{ n: 1 }]);
    expect(await groupRow(groupId)).toMatchObject({ is_active: true, request_allowed: true });
    expect(await inclusionsOf(groupId)).toEqual([]);
  });

  describe('createServiceGroup', () => {
    it('creates a group under an active parent, inserted and updated by the caller', async () => {
      const parent = await insertGroup();
      const code = `G-${randomUUID()}`;
      const { data, errors } = await run('createServiceGroup', { name: ' Labs ', code, requestAllowed: false, parentGroupId: gid(parent) });
      expect(errors).toBeUndefined();
      const created = (data as { createServiceGroup: { serviceGroup: { databaseId: string } } }).createServiceGroup.serviceGroup;
      expect(created).toEqual({ databaseId: expect.any(String), name: 'Labs', code, isActive: true, requestAllowed: false });
      expect(await groupRow(created.databaseId)).toEqual({
        code, name: 'Labs', is_active: true, parent_group_id: parent, request_allowed: false, inserted_by: userId, updated_by: userId, touched: false,
      });
      const root = await run('createServiceGroup', { name: 'Root', code: `G-${randomUUID()}`, requestAllowed: true, parentGroupId: null });
      expect(root.errors).toBeUndefined();
    });

    it('refuses bad input (422), a taken code, an unknown parent (NOT_FOUND) and an inactive one (CONFLICT)', async () => {
      const taken = { path: '$.code', message: 'is already used by an active service group' };
      const activeCode = `G-${randomUUID()}`;
      await run('createServiceGroup', { name: 'First', code: activeCode, requestAllowed: true });
      expect(await run('createServiceGroup', { name: 'Second', code: activeCode, requestAllowed: true })).toEqual(invalid('createServiceGroup', taken));
      expect(await run('createServiceGroup', { name: '', code: '', requestAllowed: true }))
        .toEqual(invalid('createServiceGroup', { path: '$.name', message: 'is required' }, { path: '$.code', message: 'is required' }));
      const fresh = { name: 'Child', requestAllowed: true };
      expect(await run('createServiceGroup', { ...fresh, code: `G-${randomUUID()}`, parentGroupId: 'bad' }))
        .toEqual(invalid('createServiceGroup', { path: '$.parentGroupId', message: 'is not a valid global id' }));
      expect(await run('createServiceGroup', { ...fresh, code: `G-${randomUUID()}`, parentGroupId: gid(randomUUID()) }))
        .toEqual(refused('createServiceGroup', 'NOT_FOUND', 'Service group is not found!'));
      expect(await run('createServiceGroup', { ...fresh, code: `G-${randomUUID()}`, parentGroupId: gid(await insertGroup(false)) }))
        .toEqual(refused('createServiceGroup', 'CONFLICT', 'Service group should be active !'));
    });

    it('reuses a code only inactive groups hold', async () => {
      const [old] = await api.em().execute<{ code: string }[]>('select code from service_groups where id = ?', [await insertGroup(false)]);
      expect((await run('createServiceGroup', { name: 'Reused', code: old!.code, requestAllowed: true })).errors).toBeUndefined();
    });
  });

  it('updateServiceGroup sets requestAllowed by the caller; refuses an unknown group and an inactive one', async () => {
    const id = await insertGroup();
    expect(await run('updateServiceGroup', { id: gid(id), requestAllowed: false })).toEqual(group('updateServiceGroup', id, { requestAllowed: false }));
    expect(await groupRow(id)).toMatchObject({ request_allowed: false, inserted_by: null, updated_by: userId, touched: true });
    expect(await run('updateServiceGroup', { id: gid(randomUUID()), requestAllowed: true }))
      .toEqual(refused('updateServiceGroup', 'NOT_FOUND', 'Service group is not found!'));
    expect(await run('updateServiceGroup', { id: gid(await insertGroup(false)), requestAllowed: true }))
      .toEqual(refused('updateServiceGroup', 'CONFLICT', 'Service group should be active !'));
  });

  it('addServiceToGroup and deleteServiceFromGroup: inclusions by the caller, once while active, again after deletion', async () => {
    const [service, groupId] = [await insertService(), await insertGroup()];
    const pair = { serviceId: sid(service), serviceGroupId: gid(groupId) };
    expect(await run('addServiceToGroup', pair)).toEqual(group('addServiceToGroup', groupId, { isActive: true }));
    expect(await run('addServiceToGroup', pair)).toEqual(refused('addServiceToGroup', 'CONFLICT', 'Service is already included in the service group'));
    expect(await inclusionsOf(groupId)).toEqual([{ service_id: service, is_active: true, inserted_by: userId, updated_by: userId }]);

    const other = await tokenFor([write]);
    expect(await run('deleteServiceFromGroup', pair, other)).toEqual(group('deleteServiceFromGroup', groupId));
    expect(await run('deleteServiceFromGroup', pair)).toEqual(refused('deleteServiceFromGroup', 'NOT_FOUND', 'Service is not included in the service group'));
    expect(await run('addServiceToGroup', pair)).toEqual(group('addServiceToGroup', groupId));
    expect(await inclusionsOf(groupId)).toEqual([
      { service_id: service, is_active: false, inserted_by: userId, updated_by: userId },
      { service_id: service, is_active: true, inserted_by: userId, updated_by: userId },
    ]);
    // Concurrent adds of one pair: one inclusion, the others refused as duplicates.
    const racer = await insertService();
    const results = await Promise.all(Array.from({ length: 5 }, () => run('addServiceToGroup', { serviceId: sid(racer), serviceGroupId: gid(groupId) })));
    expect(results.filter((r) => r.errors === undefined)).toHaveLength(1);
    for (const r of results.filter((r) => r.errors !== undefined)) {
      expect(r).toEqual(refused('addServiceToGroup', 'CONFLICT', 'Service is already included in the service group'));
    }
    expect(await api.em().execute('select count(*)::int as n from service_inclusions where service_id = ? and is_active', [racer])).toEqual([{ n: 1 }]);
  });

  it('addServiceToGroup refuses unknown (NOT_FOUND) and inactive (CONFLICT) services and groups', async () => {
    const [service, groupId] = [await insertService(), await insertGroup()];
    const cases: [string, string, Field, string, string][] = [
      [sid(randomUUID()), gid(groupId), 'addServiceToGroup', 'NOT_FOUND', 'Service is not found!'],
      [sid(service), gid(randomUUID()), 'addServiceToGroup', 'NOT_FOUND', 'Service group is not found!'],
      [gid(groupId), gid(groupId), 'addServiceToGroup', 'NOT_FOUND', 'Service is not found!'],
      [sid(await insertService(false)), gid(groupId), 'addServiceToGroup', 'CONFLICT', 'Service should be active !'],
      [sid(service), gid(await insertGroup(false)), 'addServiceToGroup', 'CONFLICT', 'Service group should be active !'],
      [sid(service), gid(groupId), 'deleteServiceFromGroup', 'NOT_FOUND', 'Service is not included in the service group'],
    ];
    for (const [serviceId, serviceGroupId, field, code, message] of cases) {
      expect(await run(field, { serviceId, serviceGroupId }), message).toEqual(refused(field, code, message));
    }
    expect(await run('addServiceToGroup', { serviceId: 'x', serviceGroupId: 'y' }))
      .toEqual(invalid('addServiceToGroup', { path: '$.serviceId', message: 'is not a valid global id' }));
    expect(await inclusionsOf(groupId)).toEqual([]);
  });

  describe('deactivateServiceGroup', () => {
    it('is refused while the group includes an active service, and succeeds once it does not', async () => {
      const [service, groupId] = [await insertService(), await insertGroup()];
      await include(service, groupId);
      expect(await run('deactivateServiceGroup', { id: gid(groupId) }))
        .toEqual(refused('deactivateServiceGroup', 'CONFLICT', 'Service group includes active services'));
      expect(await groupRow(groupId)).toMatchObject({ is_active: true });
      await run('deleteServiceFromGroup', { serviceId: sid(service), serviceGroupId: gid(groupId) });
      expect(await run('deactivateServiceGroup', { id: gid(groupId) })).toEqual(group('deactivateServiceGroup', groupId, { isActive: false }));
      expect(await groupRow(groupId)).toMatchObject({ is_active: false, updated_by: userId });
      expect(await run('deactivateServiceGroup', { id: gid(groupId) }))
        .toEqual(refused('deactivateServiceGroup', 'CONFLICT', 'Service group is already inactive'));
      expect(await run('deactivateServiceGroup', { id: gid(randomUUID()) }))
        .toEqual(refused('deactivateServiceGroup', 'NOT_FOUND', 'Service group is not found!'));
    });

    it('ignores inclusions of inactive services, and ends them with the group', async () => {
      const [gone, groupId] = [await insertService(false), await insertGroup()];
      await include(gone, groupId);
      expect(await run('deactivateServiceGroup', { id: gid(groupId) })).toEqual(group('deactivateServiceGroup', groupId, { isActive: false }));
      expect(await inclusionsOf(groupId)).toEqual([{ service_id: gone, is_active: false, inserted_by: null, updated_by: userId }]);
    });

    it('a service deactivated through the api no longer keeps its group active', async () => {
      const [service, groupId] = [await insertService(), await insertGroup()];
      await run('addServiceToGroup', { serviceId: sid(service), serviceGroupId: gid(groupId) });
      expect((await run('deactivateService', { id: sid(service) })).errors).toBeUndefined();
      expect((await run('deactivateServiceGroup', { id: gid(groupId) })).errors).toBeUndefined();
    });
  });
});
