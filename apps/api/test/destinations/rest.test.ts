/**
 * REST destinations (SPEC §4): create, read, list and delete, with their scopes and problems.
 * Submissions, events and replies are in http-destination-cases.test.ts. States are set in SQL:
 * status changes (PATCH) have their own tests.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DestinationStatus } from '@jabba/domain/destinations';
import { destinationNotFoundProblem, expectProblem, forbiddenProblem, invalidProblem, isoMicros, stateInvalidProblem } from '../expect';
import { createTestApi, type Caller, type TestApi } from '../support';

const createScope = 'create_destination';
const manage = (id: string) => `manage:destination:${id}`;

describe('REST /v1/destinations', () => {
  let api: TestApi;
  let creator: Caller;

  const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
  /** A token of `caller`'s client with exactly these scopes. */
  const tokenFor = async (scopes: string[], caller = creator) => bearer(await api.token({ clientId: caller.client.id, scopes }));
  const request = (method: string, path: string, headers: Record<string, string>, body?: unknown) =>
    api.app.request(path, {
      method,
      headers: { ...headers, 'Content-Type': 'application/json' },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
  const create = (name: string, caller = creator) => request('POST', '/v1/destinations', caller.headers, { name });

  async function destinationIn(status: DestinationStatus, caller = creator, name = 'Bauamt'): Promise<string> {
    const { destinationId } = (await (await create(name, caller)).json()) as { destinationId: string };
    await api.em().execute('update destinations set status = ?, status_changed_at = now() where id = ?', [status, destinationId]);
    return destinationId;
  }

  beforeAll(async () => {
    api = await createTestApi();
    creator = await api.caller({ scopes: [createScope] });
  });
  afterAll(() => api.close());

  describe('POST /v1/destinations', () => {
    it('creates a created destination of the caller client, with its Location', async () => {
      const response = await create('Bauamt Musterstadt');
      expect(response.status).toBe(201);
      const body = (await response.json()) as Record<string, string>;
      expect(body).toEqual({
        destinationId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        name: 'Bauamt Musterstadt',
        status: 'created',
        statusChangedAt: expect.stringMatching(isoMicros),
        createdAt: expect.stringMatching(isoMicros),
        updatedAt: expect.stringMatching(isoMicros),
        decommissionAllowedFrom: null,
      });
      expect(body.statusChangedAt).toBe(body.createdAt);
      expect(response.headers.get('location')).toBe(`/v1/destinations/${body.destinationId}`);
      const [row] = await api.em().execute('select client_id, status from destinations where id = ?', [body.destinationId]);
      expect(row).toEqual({ client_id: creator.client.id, status: 'created' });
    });

    it('needs create_destination', async () => {
      await expectProblem(await request('POST', '/v1/destinations', await tokenFor([manage(randomUUID())]), { name: 'x' }), forbiddenProblem([createScope]));
      const response = await request('POST', '/v1/destinations', {}, { name: 'x' });
      expect(response.status).toBe(401);
    });

    it.each([
      ['no body', undefined, { path: '$.name', message: 'is required' }],
      ['no name', {}, { path: '$.name', message: 'is required' }],
      ['an empty name', { name: '' }, { path: '$.name', message: 'must not be empty' }],
      ['a number', { name: 42 }, { path: '$.name', message: 'must be a string' }],
      ['a long name', { name: 'x'.repeat(256) }, { path: '$.name', message: 'must be at most 255 characters' }],
      ['an array', [], { path: '$', message: 'must be a JSON object' }],
    ])('refuses %s with 422 naming the field', async (_, body, inputError) => {
      await expectProblem(await request('POST', '/v1/destinations', creator.headers, body), invalidProblem(inputError));
    });

    it('refuses a body that is not JSON with 400', async () => {
      await expectProblem(await request('POST', '/v1/destinations', creator.headers, '{"name":'), {
        type: '/problems/bad-request',
        title: 'Bad Request',
        status: 400,
        detail: 'The request body is not valid JSON',
      });
    });
  });

  describe('GET /v1/destinations/{destinationId}', () => {
    it('answers with the destination for its manage scope', async () => {
      const created = (await (await create('Standesamt')).json()) as { destinationId: string };
      const response = await request('GET', `/v1/destinations/${created.destinationId}`, await tokenFor([manage(created.destinationId)]));
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual(created);
    });

    it('refuses a token for another destination with 403 naming the missing scope', async () => {
      const id = await destinationIn('active');
      const other = await destinationIn('active');
      await expectProblem(await request('GET', `/v1/destinations/${id}`, await tokenFor([manage(other), createScope])), forbiddenProblem([manage(id)]));
    });

    it('answers 404 destination-not-found for an unknown or malformed id', async () => {
      const unknown = randomUUID();
      await expectProblem(await request('GET', `/v1/destinations/${unknown}`, await tokenFor([manage(unknown)])), destinationNotFoundProblem(unknown));
      await expectProblem(await request('GET', '/v1/destinations/not-a-uuid', await tokenFor([createScope])), destinationNotFoundProblem('not-a-uuid'));
    });
  });

  describe('GET /v1/destinations', () => {
    let lister: Caller;
    let ids: string[];
    const list = async (query: string, caller = lister) => {
      const response = await request('GET', `/v1/destinations${query}`, caller.headers);
      expect(response.status).toBe(200);
      return (await response.json()) as { items: { destinationId: string; status: string }[]; nextCursor: string | null };
    };

    beforeAll(async () => {
      lister = await api.caller({ scopes: [createScope] });
      const other = await api.caller({ scopes: [createScope] });
      ids = [];
      for (const status of ['created', 'active', 'created', 'inactive', 'active'] as const) {
        ids.push(await destinationIn(status, lister, `Amt ${ids.length}`));
        await destinationIn('active', other);
      }
    });

    it("lists only the caller client's destinations, oldest first", async () => {
      const page = await list('');
      expect(page.items.map((d) => d.destinationId)).toEqual(ids);
      expect(page.items.map((d) => d.status)).toEqual(['created', 'active', 'created', 'inactive', 'active']);
      expect(page.nextCursor).toBeNull();
      expect(await list('', await api.caller({ scopes: [createScope] }))).toEqual({ items: [], nextCursor: null });
    });

    it('filters by status', async () => {
      expect((await list('?status=active')).items.map((d) => d.destinationId)).toEqual([ids[1], ids[4]]);
      expect((await list('?status=decommissioned')).items).toEqual([]);
    });

    it('pages with an opaque cursor until nextCursor is null', async () => {
      const first = await list('?first=2');
      expect(first.items.map((d) => d.destinationId)).toEqual(ids.slice(0, 2));
      const second = await list(`?first=2&after=${encodeURIComponent(first.nextCursor!)}`);
      expect(second.items.map((d) => d.destinationId)).toEqual(ids.slice(2, 4));
      const third = await list(`?first=2&after=${encodeURIComponent(second.nextCursor!)}`);
      expect(third).toEqual({ items: [expect.objectContaining({ destinationId: ids[4] })], nextCursor: null });
      // A page that ends exactly at the last destination says there is no more.
      expect((await list('?status=created&first=2')).nextCursor).toBeNull();
    });

    it.each([
      ['?status=deleted', { path: '$.status', message: 'must be one of created, active, inactive, decommissioned' }],
      ['?first=0', { path: '$.first', message: 'must be an integer from 1 to 500' }],
      ['?first=501', { path: '$.first', message: 'must be an integer from 1 to 500' }],
      ['?first=two', { path: '$.first', message: 'must be an integer from 1 to 500' }],
      ['?after=bm90LWEtY3Vyc29y', { path: '$.after', message: 'is not a valid cursor' }],
      ['?after=!!', { path: '$.after', message: 'is not a valid cursor' }],
    ])('refuses %s with 422 naming the parameter', async (query, inputError) => {
      await expectProblem(await request('GET', `/v1/destinations${query}`, lister.headers), invalidProblem(inputError));
    });

    it('needs create_destination', async () => {
      await expectProblem(await request('GET', '/v1/destinations', await tokenFor([manage(ids[0]!)], lister)), forbiddenProblem([createScope]));
    });
  });

  describe('DELETE /v1/destinations/{destinationId}', () => {
    it('deletes a created destination', async () => {
      const id = await destinationIn('created');
      const headers = await tokenFor([manage(id)]);
      const response = await request('DELETE', `/v1/destinations/${id}`, headers);
      expect(response.status).toBe(204);
      expect(await response.text()).toBe('');
      await expectProblem(await request('GET', `/v1/destinations/${id}`, headers), destinationNotFoundProblem(id));
    });

    it.each(['active', 'inactive', 'decommissioned'] as const)('refuses a %s destination with destination-state-invalid', async (status) => {
      const id = await destinationIn(status);
      await expectProblem(await request('DELETE', `/v1/destinations/${id}`, await tokenFor([manage(id)])), stateInvalidProblem(id));
      const [row] = await api.em().execute('select status from destinations where id = ?', [id]);
      expect(row).toEqual({ status });
    });

    it('answers 404 for an unknown or malformed id and 403 for another destination', async () => {
      const unknown = randomUUID();
      await expectProblem(await request('DELETE', `/v1/destinations/${unknown}`, await tokenFor([manage(unknown)])), destinationNotFoundProblem(unknown));
      await expectProblem(await request('DELETE', '/v1/destinations/123', await tokenFor([])), destinationNotFoundProblem('123'));
      const id = await destinationIn('created');
      await expectProblem(await request('DELETE', `/v1/destinations/${id}`, await tokenFor([manage(unknown)])), forbiddenProblem([manage(id)]));
    });
  });
});
