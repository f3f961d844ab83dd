/**
 * REST submissions, case events and replies (SPEC §4) in every destination state, with their
 * scopes and problems, and the row lock that keeps a status change from slipping between the
 * state check and the write. States are set in SQL: status changes (PATCH) have their own tests.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { destinationStatuses, type DestinationStatus } from '@jabba/domain/destinations';
import { waitFor } from '#test/wait-for';
import { destinationNotFoundProblem, expectProblem, forbiddenProblem, invalidProblem, isoMicros, stateInvalidProblem } from '../expect';
import { createTestApi, type Caller, type TestApi } from '../support';

const manage = (id: string) => `manage:destination:${id}`;
const send = (id: string) => `send:destination:${id}`;
const region = 'send:region:DE';

const caseNotFound = (id: string) => ({ type: '/problems/not-found', title: 'Not Found', status: 404, detail: `Case ${id} not found` });

describe('REST submissions, case events and replies', () => {
  let api: TestApi;
  let creator: Caller;

  const tokenFor = async (scopes: string[]) => ({ Authorization: `Bearer ${await api.token({ clientId: creator.client.id, scopes })}` });
  const post = (path: string, headers: Record<string, string>, body?: unknown) =>
    api.app.request(path, { method: 'POST', headers: { ...headers, 'Content-Type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });

  const setStatus = (id: string, status: DestinationStatus) =>
    api.em().execute('update destinations set status = ?, status_changed_at = now() where id = ?', [status, id]);

  async function destinationIn(status: DestinationStatus): Promise<string> {
    const response = await post('/v1/destinations', creator.headers, { name: 'Bürgeramt' });
    const { destinationId } = (await response.json()) as { destinationId: string };
    await setStatus(destinationId, status);
    return destinationId;
  }

  /** A case opened by a submission while the destination was active, then the destination moved to `status`. */
  async function caseIn(status: DestinationStatus): Promise<{ destinationId: string; caseId: string }> {
    const destinationId = await destinationIn('active');
    const response = await post(`/v1/destinations/${destinationId}/submissions`, await tokenFor([region]), {});
    const { caseId } = (await response.json()) as { caseId: string };
    await setStatus(destinationId, status);
    return { destinationId, caseId };
  }

  beforeAll(async () => {
    api = await createTestApi();
    creator = await api.caller({ scopes: ['create_destination'] });
  });
  afterAll(() => api.close());

  describe('POST /v1/destinations/{destinationId}/submissions', () => {
    it.each([
      ['its send scope', send],
      ['the region scope', () => region],
    ])('opens a case on an active destination with %s', async (_, scope) => {
      const id = await destinationIn('active');
      const response = await post(`/v1/destinations/${id}/submissions`, await tokenFor([scope(id)]), { payload: { form: 'A1', pages: [1, 2] } });
      expect(response.status).toBe(201);
      const body = (await response.json()) as Record<string, string>;
      expect(body).toEqual({ submissionId: expect.any(String), caseId: expect.any(String), destinationId: id, createdAt: expect.stringMatching(isoMicros) });
      const rows = await api.em().execute(
        'select s.payload, c.destination_id from submissions s join cases c on c.id = s.case_id where s.id = ? and s.case_id = ?',
        [body.submissionId, body.caseId],
      );
      expect(rows).toEqual([{ payload: { form: 'A1', pages: [1, 2] }, destination_id: id }]);
    });

    it.each(['created', 'inactive', 'decommissioned'] as const)('refuses a %s destination and opens no case', async (status) => {
      const id = await destinationIn(status);
      await expectProblem(await post(`/v1/destinations/${id}/submissions`, await tokenFor([send(id)]), {}), stateInvalidProblem(id));
      expect(await api.em().execute('select id from cases where destination_id = ?', [id])).toEqual([]);
    });

    it('needs a send scope for this destination or the region', async () => {
      const id = await destinationIn('active');
      await expectProblem(await post(`/v1/destinations/${id}/submissions`, await tokenFor([manage(id), send(randomUUID())]), {}), forbiddenProblem([send(id), region]));
    });

    it('answers 404 for an unknown or malformed destination', async () => {
      const unknown = randomUUID();
      await expectProblem(await post(`/v1/destinations/${unknown}/submissions`, await tokenFor([region]), {}), destinationNotFoundProblem(unknown));
      const malformed = await post('/v1/destinations/x/submissions', await tokenFor([region]), {});
      expect(malformed.status).toBe(404);
    });

    it('refuses a payload that is not an object, naming it', async () => {
      const id = await destinationIn('active');
      await expectProblem(await post(`/v1/destinations/${id}/submissions`, await tokenFor([region]), { payload: 'text' }), invalidProblem({ path: '$.payload', message: 'must be a JSON object' }));
    });

    it('waits for a status change holding the row lock and then sees the new state', async () => {
      const id = await destinationIn('active');
      const headers = await tokenFor([region]);
      let submitted: Promise<Response> | undefined;
      await api.em().transactional(async (em) => {
        await em.execute('select id from destinations where id = ? for update', [id]);
        submitted = Promise.resolve(post(`/v1/destinations/${id}/submissions`, headers, {}));
        await waitFor(async () => {
          const waiting = await api.em().execute("select 1 from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'");
          return waiting.length > 0;
        }, { what: 'the submission to wait for the row lock' });
        await em.execute("update destinations set status = 'inactive', status_changed_at = now() where id = ?", [id]);
      });
      await expectProblem(await submitted!, stateInvalidProblem(id));
    });
  });

  describe('POST /v1/cases/{caseId}/events', () => {
    it.each(destinationStatuses)('records an event when the destination is %s', async (status) => {
      const { destinationId, caseId } = await caseIn(status);
      const response = await post(`/v1/cases/${caseId}/events`, await tokenFor([manage(destinationId)]), { event: 'eyJhbGciOiJSUzUxMiJ9.e30.sig', expiresAt: '2030-01-02T03:04:05.123456+02:00' });
      expect(response.status).toBe(201);
      expect(await response.json()).toEqual({ eventId: expect.any(String), caseId, expiresAt: '2030-01-02T01:04:05.123456Z' });
      expect(await api.em().execute('select event from case_events where case_id = ?', [caseId])).toEqual([{ event: 'eyJhbGciOiJSUzUxMiJ9.e30.sig' }]);
    });

    it("answers 404 once the case's destination is deleted, and for unknown or malformed cases", async () => {
      const { destinationId, caseId } = await caseIn('created');
      const headers = await tokenFor([manage(destinationId)]);
      expect((await api.app.request(`/v1/destinations/${destinationId}`, { method: 'DELETE', headers })).status).toBe(204);
      const body = { event: 'set', expiresAt: '2030-01-01T00:00:00Z' };
      await expectProblem(await post(`/v1/cases/${caseId}/events`, headers, body), caseNotFound(caseId));
      const unknown = randomUUID();
      await expectProblem(await post(`/v1/cases/${unknown}/events`, headers, body), caseNotFound(unknown));
      await expectProblem(await post('/v1/cases/nope/events', headers, body), caseNotFound('nope'));
    });

    it("needs the manage scope of the case's destination", async () => {
      const { destinationId, caseId } = await caseIn('active');
      await expectProblem(
        await post(`/v1/cases/${caseId}/events`, await tokenFor([manage(randomUUID()), send(destinationId), region]), { event: 'set', expiresAt: '2030-01-01T00:00:00Z' }),
        forbiddenProblem([manage(destinationId)]),
      );
    });

    it.each([
      [{}, [{ path: '$.event', message: 'is required' }, { path: '$.expiresAt', message: 'is required' }]],
      [{ event: '', expiresAt: '2030-01-01T00:00:00Z' }, [{ path: '$.event', message: 'must not be empty' }]],
      [{ event: 'set', expiresAt: 'tomorrow' }, [{ path: '$.expiresAt', message: 'must be an ISO-8601 date-time with a time zone, e.g. 2026-11-22T10:29:32.099359Z' }]],
      [{ event: 'set', expiresAt: '2030-02-30T00:00:00Z' }, [{ path: '$.expiresAt', message: 'must be an ISO-8601 date-time with a time zone, e.g. 2026-11-22T10:29:32.099359Z' }]],
      [{ event: 'set', expiresAt: 1893456000 }, [{ path: '$.expiresAt', message: 'must be an ISO-8601 date-time with a time zone, e.g. 2026-11-22T10:29:32.099359Z' }]],
    ])('refuses %j with 422 naming the fields', async (body, inputErrors) => {
      const { destinationId, caseId } = await caseIn('active');
      await expectProblem(await post(`/v1/cases/${caseId}/events`, await tokenFor([manage(destinationId)]), body), invalidProblem(...inputErrors));
    });
  });

  describe('POST /v1/cases/{caseId}/replies', () => {
    it.each(['created', 'active', 'inactive'] as const)('records a reply when the destination is %s', async (status) => {
      const { destinationId, caseId } = await caseIn(status);
      const response = await post(`/v1/cases/${caseId}/replies`, await tokenFor([manage(destinationId)]), { payload: { answer: 'ok' } });
      expect(response.status).toBe(201);
      expect(await response.json()).toEqual({ replyId: expect.any(String), caseId, createdAt: expect.stringMatching(isoMicros) });
      expect(await api.em().execute('select payload from case_replies where case_id = ?', [caseId])).toEqual([{ payload: { answer: 'ok' } }]);
    });

    it('refuses a reply once the destination is decommissioned', async () => {
      const { destinationId, caseId } = await caseIn('decommissioned');
      await expectProblem(await post(`/v1/cases/${caseId}/replies`, await tokenFor([manage(destinationId)])), stateInvalidProblem(destinationId));
      expect(await api.em().execute('select id from case_replies where case_id = ?', [caseId])).toEqual([]);
    });

    it('needs the manage scope and a known case', async () => {
      const { destinationId, caseId } = await caseIn('active');
      await expectProblem(await post(`/v1/cases/${caseId}/replies`, await tokenFor([send(destinationId)])), forbiddenProblem([manage(destinationId)]));
      const unknown = randomUUID();
      await expectProblem(await post(`/v1/cases/${unknown}/replies`, await tokenFor([manage(destinationId)])), caseNotFound(unknown));
    });

    it('refuses a payload that is not an object, naming it', async () => {
      const { destinationId, caseId } = await caseIn('active');
      await expectProblem(await post(`/v1/cases/${caseId}/replies`, await tokenFor([manage(destinationId)]), { payload: [1] }), invalidProblem({ path: '$.payload', message: 'must be a JSON object' }));
    });
  });
});
