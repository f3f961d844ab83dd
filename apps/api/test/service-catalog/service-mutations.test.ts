/**
 * GraphQL service mutations (SPEC §6, seed 003): the seed's "Update service" feature scenario by
 * scenario (its ids as written, although some are not RFC 4122 version-valid), then `createService`
 * (validation, codes unique among active services only, two creates racing for one code) and
 * `deactivateService`. Fixtures go in with SQL; results are checked in the tables too.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ClientType, messages } from '@jabba/domain/identity';
import { errorsOf, invalid, refused } from './fixtures';
import { createTestApi, insertClient, type TestApi } from '../support';
import { toGlobalId } from '../../src/platform/global-ids';

const consumerId = '46d29f1b-122c-40ae-a36b-be138fb9c987';
const write = 'service_catalog:write';
const serviceFields = 'databaseId name code category isActive requestAllowed isComposition';
const mutations = {
  createService: `mutation ($input: CreateServiceInput!) { createService(input: $input) { service { ${serviceFields} } } }`,
  updateService: `mutation ($input: UpdateServiceInput!) { updateService(input: $input) { service { ${serviceFields} } } }`,
  deactivateService: `mutation ($input: DeactivateServiceInput!) { deactivateService(input: $input) { service { ${serviceFields} } } }`,
};
type Field = keyof typeof mutations;

describe('service mutations', () => {
  let api: TestApi;
  let writer: string;

  /** A token of the seed's consumer for a client of `clientType`. */
  async function tokenFor(scopes: string[], clientType: ClientType = 'NHS'): Promise<string> {
    const client = await insertClient(api.em(), { type: clientType });
    return api.token({ userId: consumerId, clientId: client.id, scopes });
  }

  async function run(field: Field, input: Record<string, unknown>, token = writer): Promise<{ data: unknown; errors: unknown }> {
    const { status, body } = await api.graphql({ query: mutations[field], variables: { input }, token });
    expect(status).toBe(200);
    expect(body.extensions).toEqual({ requestId: expect.any(String) });
    return { data: body.data, errors: errorsOf(body) };
  }

  interface ServiceFixture { id?: string; code?: string; isActive?: boolean; requestAllowed?: boolean }
  /** Inserted by another user, so the tests can tell inserted_by from updated_by. */
  async function insertService({ id = randomUUID(), code = `S-${randomUUID()}`, isActive = true, requestAllowed = true }: ServiceFixture = {}): Promise<string> {
    await api.em().execute(
      `insert into services (id, code, name, is_active, request_allowed, inserted_by, updated_by) values (?, ?, 'Fixture', ?, ?, ?, ?)`,
      [id, code, isActive, requestAllowed, randomUUID(), randomUUID()],
    );
    return id;
  }

  const serviceRow = async (id: string) => (await api.em().execute(
    `select code, name, category, is_active, is_composition, request_allowed, inserted_by, updated_by,
            updated_at > inserted_at as touched from services where id = ?`, [id]))[0];
  const activeWithCode = (code: string) => api.em().execute<{ id: string }[]>('select id from services where code = ? and is_active', [code]);
  const serviceId = (databaseId: string) => toGlobalId('Service', databaseId);

  beforeAll(async () => {
    api = await createTestApi();
    writer = await tokenFor([write]);
  });
  afterAll(() => api.close());

  describe('Feature: Update service', () => {
    it.each([
      { databaseId: '3b1a0ad5-7cc4-4e3d-900f-dbff37cdc601', requestAllowed: true, next: false },
      { databaseId: 'b5324d08-5d4b-4b54-9a4a-5d15f30877c1', requestAllowed: false, next: true },
    ])('Successful update: $databaseId requestAllowed $requestAllowed → $next', async ({ databaseId, requestAllowed, next }) => {
      await insertService({ id: databaseId, requestAllowed });
      const before = await serviceRow(databaseId);
      const { data, errors } = await run('updateService', { id: serviceId(databaseId), requestAllowed: next }, await tokenFor([write]));
      expect(errors).toBeUndefined();
      expect(data).toEqual({ updateService: { service: expect.objectContaining({ databaseId, requestAllowed: next, isActive: true }) } });
      expect(await serviceRow(databaseId)).toEqual({ ...before, request_allowed: next, updated_by: consumerId, touched: true });
    });

    it('Update with incorrect scope', async () => {
      const databaseId = await insertService({ id: 'a6516e2e-aa11-4ed2-881f-9b0aa2ec9f11', requestAllowed: false });
      const result = await run('updateService', { id: serviceId(databaseId), requestAllowed: true }, await tokenFor(['service_catalog:read']));
      expect(result).toEqual(refused('updateService', 'FORBIDDEN', messages.missingScope([write]), { missingAllowances: [write] }));
      expect(await serviceRow(databaseId)).toMatchObject({ request_allowed: false });
    });

    it('Update with incorrect client', async () => {
      const databaseId = await insertService({ id: 'd12ba795-bfd6-3f87-ae04-b2864d7fdca1', requestAllowed: false });
      const result = await run('updateService', { id: serviceId(databaseId), requestAllowed: true }, await tokenFor([write], 'MIS'));
      expect(result).toEqual(refused('updateService', 'FORBIDDEN', messages.clientTypeForbidden));
      expect(await serviceRow(databaseId)).toMatchObject({ request_allowed: false });
    });

    // The seed's next scenario inserts this very id, inactive; this one must run first.
    it('Update non-existent item', async () => {
      const result = await run('updateService', { id: serviceId('a41ba795-ffd6-af87-1e04-f2864d7fdc22'), requestAllowed: true });
      expect(result).toEqual(refused('updateService', 'NOT_FOUND', 'Service is not found!'));
    });

    it('Update inactive item', async () => {
      const databaseId = await insertService({ id: 'a41ba795-ffd6-af87-1e04-f2864d7fdc22', isActive: false, requestAllowed: true });
      const result = await run('updateService', { id: serviceId(databaseId), requestAllowed: false });
      expect(result).toEqual(refused('updateService', 'CONFLICT', 'Service should be active !'));
      expect(await serviceRow(databaseId)).toMatchObject({ request_allowed: true });
    });
  });

  it('updateService: requestAllowed omitted keeps it; a malformed id or another type\'s id is refused', async () => {
    const id = await insertService({ requestAllowed: false });
    expect((await run('updateService', { id: serviceId(id) })).data).toEqual({ updateService: { service: expect.objectContaining({ requestAllowed: false }) } });
    expect(await serviceRow(id)).toMatchObject({ request_allowed: false, updated_by: consumerId });
    expect(await run('updateService', { id: 'nope', requestAllowed: true })).toEqual(invalid('updateService', { path: '$.id', message: 'is not a valid global id' }));
    expect(await run('updateService', { id: toGlobalId('ServiceGroup', id), requestAllowed: true }))
      .toEqual(refused('updateService', 'NOT_FOUND', 'Service is not found!'));
  });

  describe('createService', () => {
    it('creates an active service, trimmed, with the flags given or their defaults, inserted and updated by the caller', async () => {
      const code = `C-${randomUUID()}`;
      const { data, errors } = await run('createService', { name: '  Blood test ', code: ` ${code} `, category: 'laboratory_procedure', isComposition: true, requestAllowed: false });
      expect(errors).toBeUndefined();
      const service = (data as { createService: { service: { databaseId: string } } }).createService.service;
      expect(service).toEqual({
        databaseId: expect.any(String), name: 'Blood test', code, category: 'laboratory_procedure', isActive: true, requestAllowed: false, isComposition: true,
      });
      expect(await serviceRow(service.databaseId)).toEqual({
        code, name: 'Blood test', category: 'laboratory_procedure', is_active: true, is_composition: true, request_allowed: false, inserted_by: consumerId, updated_by: consumerId, touched: false,
      });
      const plain = await run('createService', { name: 'X-ray', code: `C-${randomUUID()}` });
      expect(plain.data).toEqual({ createService: { service: expect.objectContaining({ category: null, isComposition: false, requestAllowed: true }) } });
    });

    it('refuses a blank or too long name or code and a category not active in SERVICE_CATEGORY, naming each field', async () => {
      await api.em().execute(`insert into dictionaries (name, code, is_active) values ('SERVICE_CATEGORY', 'retired_category', false)`);
      const required = (path: string) => ({ path, message: 'is required' });
      const notInDictionary = { path: '$.category', message: 'is not in the SERVICE_CATEGORY dictionary' };
      const cases: [Record<string, unknown>, { path: string; message: string }[]][] = [
        [{ name: '', code: '  ' }, [required('$.name'), required('$.code')]],
        [{ name: 'n'.repeat(101), code: 'c'.repeat(256) }, [
          { path: '$.name', message: 'should be at most 100 characters' }, { path: '$.code', message: 'should be at most 255 characters' }]],
        [{ name: 'ok', code: 'unknown-category', category: 'no_such_category' }, [notInDictionary]],
        [{ name: 'ok', code: 'retired-category', category: 'retired_category' }, [notInDictionary]],
        [{ name: ' ', code: 'blank-name', category: '' }, [required('$.name'), notInDictionary]],
      ];
      for (const [input, inputErrors] of cases) {
        expect(await run('createService', input), JSON.stringify(input)).toEqual(invalid('createService', ...inputErrors));
      }
      // 100 characters (not UTF-16 units) is the limit: 100 emoji fit.
      expect((await run('createService', { name: '🩺'.repeat(100), code: `C-${randomUUID()}` })).errors).toBeUndefined();
      expect(await api.em().execute(`select count(*)::int as n from services where code in ('unknown-category', 'retired-category', 'blank-name')`)).toEqual([{ n: 0 }]);
    });

    it('refuses a code an active service holds; a code only inactive services hold is free again', async () => {
      const taken = { path: '$.code', message: 'is already used by an active service' };
      const activeCode = `A-${randomUUID()}`;
      const active = await insertService({ code: activeCode });
      expect(await run('createService', { name: 'Again', code: activeCode })).toEqual(invalid('createService', taken));
      expect(await run('createService', { name: '', code: activeCode })).toEqual(invalid('createService', { path: '$.name', message: 'is required' }, taken));
      expect(await activeWithCode(activeCode)).toEqual([{ id: active }]);

      const oldCode = `O-${randomUUID()}`;
      await insertService({ code: oldCode, isActive: false });
      await insertService({ code: oldCode, isActive: false });
      const reused = await run('createService', { name: 'Reused', code: oldCode });
      expect(reused.errors).toBeUndefined();
      expect(await activeWithCode(oldCode)).toHaveLength(1);
      expect(await run('createService', { name: 'Third', code: oldCode })).toEqual(invalid('createService', taken));
    });

    it('two creates racing for one code: one service, and the other gets the same 422 (never a 500)', async () => {
      const code = `R-${randomUUID()}`;
      const results = await Promise.all(Array.from({ length: 6 }, (_, i) => run('createService', { name: `Racer ${i}`, code })));
      expect(results.filter((r) => r.errors === undefined)).toHaveLength(1);
      for (const r of results.filter((r) => r.errors !== undefined)) {
        expect(r).toEqual(invalid('createService', { path: '$.code', message: 'is already used by an active service' }));
      }
      expect(await activeWithCode(code)).toHaveLength(1);
    });
  });

  describe('deactivateService', () => {
    it('deactivates an active service and ends its active inclusions, by the caller', async () => {
      const id = await insertService();
      const other = await insertService();
      const [group] = await api.em().execute<{ id: string }[]>(`insert into service_groups (code, name) values (?, 'G') returning id`, [`G-${randomUUID()}`]);
      await api.em().execute('insert into service_inclusions (service_id, service_group_id) values (?, ?), (?, ?)', [id, group!.id, other, group!.id]);
      const { data, errors } = await run('deactivateService', { id: serviceId(id) });
      expect(errors).toBeUndefined();
      expect(data).toEqual({ deactivateService: { service: expect.objectContaining({ databaseId: id, isActive: false }) } });
      expect(await serviceRow(id)).toMatchObject({ is_active: false, updated_by: consumerId });
      expect(await api.em().execute('select service_id, is_active, updated_by from service_inclusions where service_group_id = ? order by is_active', [group!.id]))
        .toEqual([{ service_id: id, is_active: false, updated_by: consumerId }, { service_id: other, is_active: true, updated_by: null }]);
    });

    it('refuses an inactive service (CONFLICT), an unknown one (NOT_FOUND) and a malformed id (422)', async () => {
      const inactive = await insertService({ isActive: false });
      expect(await run('deactivateService', { id: serviceId(inactive) })).toEqual(refused('deactivateService', 'CONFLICT', 'Service is already inactive'));
      expect(await run('deactivateService', { id: serviceId(randomUUID()) })).toEqual(refused('deactivateService', 'NOT_FOUND', 'Service is not found!'));
      expect(await run('deactivateService', { id: '' })).toEqual(invalid('deactivateService', { path: '$.id', message: 'is not a valid global id' }));
    });
  });
});
