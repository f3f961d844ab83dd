/**
 * Destination status changes through the queue, end to end in one process: the api (`app.request`)
 * checks and submits, a real worker (BullMQ on Redis) applies under the row lock, Postgres holds the
 * outcome. Time passes by moving `status_changed_at` back in SQL.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Queue } from 'bullmq';
import { queueNames } from '@jabba/domain/engine';
import { destinationStatuses, type DestinationStatus } from '@jabba/domain/destinations';
import { testPrefix } from '#test/redis';
import { waitFor } from '#test/wait-for';
import { createApp } from '../../src/app';
import { destinationNotFoundProblem, invalidProblem, isoMicros, problemBody, stateInvalidProblem } from '../expect';
import { toGlobalId } from '../../src/platform/global-ids';
import { checkedApp, createTestApi, type Caller, type TestApi } from '../support';
import { startTestWorker, type TestWorker } from '#test/worker';

const statusMessage = 'must be one of active, inactive, decommissioned';

let api: TestApi;
let worker: TestWorker;
let owner: Caller;

beforeAll(async () => {
  api = await createTestApi();
  worker = await startTestWorker(api);
  owner = await api.caller({ scopes: ['create_destination'] });
});

afterAll(async () => {
  await worker.close();
  await api.close();
});

const sql = async <R>(text: string, values: unknown[] = []): Promise<R[]> => (await api.em().getConnection().execute(text, values)) as R[];

/** A destination of `clientId` whose status changed `ago` (a Postgres interval) before now. */
async function destination(status: DestinationStatus, { ago = '1 hour', clientId = owner.client.id } = {}): Promise<string> {
  const [row] = await sql<{ id: string }>(
    `insert into destinations (name, client_id, status, status_changed_at) values ('Bauamt', ?, ?, now() - ?::interval) returning id`,
    [clientId, status, ago],
  );
  return row!.id;
}

const statusOf = async (id: string) => (await sql<{ status: string }>(`select status from destinations where id = ?`, [id]))[0]?.status;
const transitionJobs = async (destinationId: string) =>
  (await sql<{ n: number }>(`select count(*)::int as n from tasks t join jobs j on j.id = t.job_id where j.type = 'destination_status_transition' and t.meta->>'destinationId' = ?`, [destinationId]))[0]!.n;

/** A token for exactly this destination. */
const manager = (id: string) => api.caller({ scopes: [`manage:destination:${id}`] });

const patch = (id: string, body: unknown, headers: Record<string, string>, app = api.app) =>
  app.request(`/v1/destinations/${id}`, {
    method: 'PATCH', headers: { 'Content-Type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body),
  });

describe('PATCH /v1/destinations/{destinationId}', () => {
  it('applies an allowed transition through a job and answers 200 with the destination', async () => {
    const id = await destination('created');
    const caller = await manager(id);
    const response = await patch(id, { status: 'active' }, caller.headers);
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, string>;
    expect(body).toEqual({
      destinationId: id, name: 'Bauamt', status: 'active', statusChangedAt: expect.stringMatching(isoMicros),
      createdAt: expect.stringMatching(isoMicros), updatedAt: body.statusChangedAt, decommissionAllowedFrom: null,
    });
    expect(Date.now() - Date.parse(body.statusChangedAt!)).toBeLessThan(60_000);

    const [job] = await sql<Record<string, unknown>>(
      `select j.type, j.name, j.strategy, j.status, j.client_id, j.user_id, j.meta, t.name as task, t.status as task_status, t.meta as task_meta, t.result
       from jobs j join tasks t on t.job_id = j.id where t.meta->>'destinationId' = ?`, [id],
    );
    expect(job).toEqual({
      type: 'destination_status_transition', name: 'Destination status transition', strategy: 'CONCURRENT', status: 'PROCESSED',
      client_id: caller.client.id, user_id: caller.userId, meta: { reach: 'destination', status: 'active' },
      task: 'Change destination status', task_status: 'PROCESSED', task_meta: { destinationId: id, status: 'active' },
      result: { status: 'active', statusChangedAt: body.statusChangedAt },
    });
  });

  const allowed: [DestinationStatus, DestinationStatus][] = [['created', 'active'], ['active', 'inactive'], ['inactive', 'active']];
  const everyPair = destinationStatuses.flatMap((from) => destinationStatuses.map((to) => [from, to] as [DestinationStatus, DestinationStatus]));

  it.each(everyPair)('%s → %s', async (from, to) => {
    const id = await destination(from);
    const caller = await manager(id);
    const response = await patch(id, { status: to }, caller.headers);
    if (allowed.some(([f, t]) => f === from && t === to)) {
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ destinationId: id, status: to });
      return;
    }
    // Refused at once (inactive → decommissioned too: an hour is not 30 days): no job, no change.
    expect(response.status).toBe(422);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(await response.json()).toEqual(problemBody(stateInvalidProblem(id)));
    expect(await statusOf(id)).toBe(from);
    expect(await transitionJobs(id)).toBe(0);
  });

  it('decommissions only after 30 whole days inactive', async () => {
    const early = await destination('inactive', { ago: '29 days 23 hours' });
    const response = await patch(early, { status: 'decommissioned' }, (await manager(early)).headers);
    expect(response.status).toBe(422);
    expect(await response.json()).toEqual(problemBody(stateInvalidProblem(early)));

    const due = await destination('inactive', { ago: '30 days' });
    const ok = await patch(due, { status: 'decommissioned' }, (await manager(due)).headers);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ destinationId: due, status: 'decommissioned' });
  });

  it('says from when an inactive destination may be decommissioned, over REST and GraphQL', async () => {
    const id = await destination('active');
    const caller = await manager(id);
    const response = await patch(id, { status: 'inactive' }, caller.headers);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { statusChangedAt: string; decommissionAllowedFrom: string };
    expect(body.decommissionAllowedFrom).toMatch(isoMicros);
    expect(Date.parse(body.decommissionAllowedFrom) - Date.parse(body.statusChangedAt)).toBe(30 * 24 * 3600_000);
    expect(body.decommissionAllowedFrom.slice(19)).toBe(body.statusChangedAt.slice(19));

    const read = await api.app.request(`/v1/destinations/${id}`, { headers: caller.headers });
    expect(await read.json()).toMatchObject({ status: 'inactive', decommissionAllowedFrom: body.decommissionAllowedFrom });
    const { body: graph } = await api.graphql({
      query: 'query ($id: ID!) { destination(id: $id) { status decommissionAllowedFrom } }',
      variables: { id: toGlobalId('Destination', id) }, token: caller.token,
    });
    expect(graph).toMatchObject({ data: { destination: { status: 'INACTIVE', decommissionAllowedFrom: body.decommissionAllowedFrom } } });

    const back = await patch(id, { status: 'active' }, caller.headers);
    expect(await back.json()).toMatchObject({ status: 'active', decommissionAllowedFrom: null });
  });

  it('needs manage:destination:{destinationId}; a token for another destination is not enough', async () => {
    const id = await destination('created');
    const other = await destination('created');
    for (const caller of [await api.caller({ scopes: ['create_destination'] }), await manager(other)]) {
      const response = await patch(id, { status: 'active' }, caller.headers);
      expect(response.status).toBe(403);
      expect(await response.json()).toEqual({
        type: '/problems/forbidden', title: 'Forbidden', status: 403, requestId: expect.any(String),
        detail: `Your scope does not allow to access this resource. Missing allowances: manage:destination:${id}`,
        missingAllowances: [`manage:destination:${id}`],
      });
    }
    expect(await statusOf(id)).toBe('created');
    expect((await patch(id, { status: 'active' }, {})).status).toBe(401);
  });

  it('an unknown destination is 404 destination-not-found', async () => {
    for (const id of [randomUUID(), 'not-a-uuid']) {
      const response = await patch(id, { status: 'active' }, (await manager(id)).headers);
      expect(response.status).toBe(404);
      expect(await response.json()).toEqual(problemBody(destinationNotFoundProblem(id)));
    }
  });

  it('a body that is not one of the statuses is 422 naming $.status', async () => {
    const id = await destination('created');
    const caller = await manager(id);
    for (const body of [{ status: 'paused' }, { status: 1 }, {}, '']) {
      const response = await patch(id, body, caller.headers);
      expect(response.status).toBe(422);
      expect(await response.json()).toEqual(problemBody(invalidProblem({ path: '$.status', message: statusMessage })));
    }
    expect(await transitionJobs(id)).toBe(0);
  });

  it('two concurrent PATCHes of one destination never both apply', async () => {
    for (let round = 0; round < 5; round += 1) {
      const id = await destination('active');
      const caller = await manager(id);
      const responses = await Promise.all([patch(id, { status: 'inactive' }, caller.headers), patch(id, { status: 'inactive' }, caller.headers)]);
      expect(responses.map((r) => r.status).sort()).toEqual([200, 422]);
      const refused = responses.find((r) => r.status === 422)!;
      expect(await refused.json()).toEqual(problemBody(stateInvalidProblem(id)));
      expect(await statusOf(id)).toBe('inactive');
      const [applied] = await sql<{ n: number }>(
        `select count(*)::int as n from tasks where meta->>'destinationId' = ? and status = 'PROCESSED'`, [id],
      );
      expect(applied!.n).toBe(1);
    }
  });

  describe('when the worker does not answer in time', () => {
    let parked: Queue;
    let slowApp: ReturnType<typeof createApp>;

    beforeAll(() => {
      // Chunks go to a queue no worker reads: the wait runs out for sure; reconciling later hands
      // the job (which Postgres holds) to the real worker.
      parked = new Queue(queueNames.tasks, { connection: api.redis, prefix: testPrefix() });
      slowApp = checkedApp(createApp({ ...api.deps, tasksQueue: parked, config: { ...api.config, DESTINATION_PATCH_WAIT_MS: 60 } }));
    });
    afterAll(() => parked.close());

    const jobOf = async (jobId: string, caller: Caller) => {
      const response = await api.app.request(`/v1/jobs/${jobId}`, { headers: caller.headers });
      return (await response.json()) as { status: string; type: string; progress: Record<string, number> };
    };

    it('answers 202 with the job, which the worker applies later, or refuses if the state moved meanwhile', async () => {
      const later = await destination('created');
      const moved = await destination('active');
      const callers = { later: await manager(later), moved: await manager(moved) };

      const response = await patch(later, { status: 'active' }, callers.later.headers, slowApp);
      expect(response.status).toBe(202);
      const accepted = (await response.json()) as { databaseId: string };
      expect(accepted).toEqual({ id: toGlobalId('GenericJob', accepted.databaseId), databaseId: expect.any(String), status: 'PENDING' });
      expect(response.headers.get('location')).toBe(`/v1/jobs/${accepted.databaseId}`);
      const body = { jobId: accepted.databaseId };

      const movedResponse = await patch(moved, { status: 'inactive' }, callers.moved.headers, slowApp);
      expect(movedResponse.status).toBe(202);
      const movedJob = ((await movedResponse.json()) as { databaseId: string }).databaseId;
      await sql(`update destinations set status = 'inactive' where id = ?`, [moved]);

      expect(await jobOf(body.jobId, callers.later)).toMatchObject({ status: 'PENDING', type: 'destination_status_transition' });
      await worker.worker.reconcileNow();
      await waitFor(async () => (await jobOf(body.jobId, callers.later)).status === 'PROCESSED', { what: 'the parked job to be applied' });
      expect(await statusOf(later)).toBe('active');

      await waitFor(async () => (await jobOf(movedJob, callers.moved)).status === 'FAILED', { what: 'the moved destination\'s job to fail' });
      const [task] = await sql<{ error: unknown }>(`select error from tasks where job_id = ?`, [movedJob]);
      // The task keeps the worker's problem whole, so whoever waited on it can answer with it.
      expect(task!.error).toEqual({
        message: `Destination ${moved} has the wrong state for this operation.`,
        extensions: { code: 'destination-state-invalid' },
        problem: { code: 'UNPROCESSABLE_ENTITY', type: 'https://schema.fitko.de/fit-connect/submission-api/problems/destination-state-invalid', title: 'Destination State invalid' },
      });
    });
  });
});

describe('POST /v1/destination-transitions', () => {
  const bulk = (body: unknown, caller: Caller = owner) =>
    api.app.request('/v1/destination-transitions', {
      method: 'POST', headers: { 'Content-Type': 'application/json', ...caller.headers }, body: JSON.stringify(body),
    });

  /** A token with the manage scope of exactly these destinations. */
  const managerOf = (ids: string[], extra: string[] = []) => api.caller({ scopes: [...ids.map((id) => `manage:destination:${id}`), ...extra] });

  it('moves many destinations in one job, a task each; refused ones fail with the problem type as code', async () => {
    const stranger = await api.caller({ scopes: ['create_destination'] });
    const [a, b, c] = [await destination('active'), await destination('active'), await destination('created')];
    // Another client's destination, whose scope this caller holds: the scope decides, as for a PATCH.
    const foreign = await destination('active', { clientId: stranger.client.id });
    const unknown = randomUUID();
    const caller = await managerOf([a, b, c, foreign, unknown]);

    const response = await bulk({ destinationIds: [a, b, c, foreign, unknown, a.toUpperCase()], status: 'inactive' }, caller);
    expect(response.status).toBe(202);
    const accepted = (await response.json()) as { databaseId: string };
    expect(accepted).toEqual({ id: toGlobalId('GenericJob', accepted.databaseId), databaseId: expect.any(String), status: 'PENDING' });
    const jobId = accepted.databaseId;
    expect(response.headers.get('location')).toBe(`/v1/jobs/${jobId}`);

    const job = await waitFor(async () => {
      const view = (await (await api.app.request(`/v1/jobs/${jobId}`, { headers: caller.headers })).json()) as { status: string };
      return view.status === 'PENDING' ? undefined : view;
    }, { what: 'the bulk job to end' });
    expect(job).toMatchObject({
      type: 'destination_status_transition', status: 'FAILED', meta: { reach: 'destination', status: 'inactive' },
      progress: { total: 5, processed: 3, failed: 2, pending: 0 },
    });

    const tasks = await sql<{ destination_id: string; status: string; code: string | null; message: string | null }>(
      `select meta->>'destinationId' as destination_id, status, error->'extensions'->>'code' as code, error->>'message' as message
       from tasks where job_id = ? order by seq`, [jobId],
    );
    const expected = {
      [a]: { status: 'PROCESSED', code: null, message: null },
      [b]: { status: 'PROCESSED', code: null, message: null },
      [c]: { status: 'FAILED', code: 'destination-state-invalid', message: `Destination ${c} has the wrong state for this operation.` },
      [foreign]: { status: 'PROCESSED', code: null, message: null },
      [unknown]: { status: 'FAILED', code: 'destination-not-found', message: `Destination ${unknown} not found` },
    };
    expect(tasks.map((t) => t.destination_id)).toEqual(Object.keys(expected).sort());
    expect(Object.fromEntries(tasks.map(({ destination_id, ...rest }) => [destination_id, rest]))).toEqual(expected);
    expect([await statusOf(a), await statusOf(b), await statusOf(c), await statusOf(foreign)]).toEqual(['inactive', 'inactive', 'created', 'inactive']);

    // Another client's caller does not see the job; a caller of this client without the scopes of
    // all its destinations may not read it.
    expect((await api.app.request(`/v1/jobs/${jobId}`, { headers: stranger.headers })).status).toBe(404);
  });

  it('needs manage:destination:{id} of every destination: 403 naming the missing ones, and no job', async () => {
    const [a, b, c] = [await destination('active'), await destination('active'), await destination('active')];
    const caller = await managerOf([b], ['create_destination']);
    const response = await bulk({ destinationIds: [a, b, c], status: 'inactive' }, caller);
    expect(response.status).toBe(403);
    const missing = [a, c].map((id) => `manage:destination:${id}`);
    expect(await response.json()).toMatchObject({
      status: 403,
      detail: `Your scope does not allow to access this resource. Missing allowances: ${missing.join(', ')}`,
      missingAllowances: missing,
    });
    expect([await transitionJobs(a), await transitionJobs(b), await transitionJobs(c)]).toEqual([0, 0, 0]);
  });

  it('refuses a malformed request naming each field', async () => {
    const cases: [unknown, { path: string; message: string }[]][] = [
      [{ destinationIds: [], status: 'inactive' }, [{ path: '$.destinationIds', message: 'must not be empty' }]],
      [{ destinationIds: ['nope'], status: 'paused' }, [{ path: '$.destinationIds[0]', message: 'must be a uuid' }, { path: '$.status', message: statusMessage }]],
      [{ destinationIds: Array.from({ length: 1001 }, () => randomUUID()), status: 'active' }, [{ path: '$.destinationIds', message: 'must hold at most 1000 ids' }]],
      [{ status: 'active' }, [{ path: '$.destinationIds', message: 'must be an array of destination ids' }]],
    ];
    for (const [body, inputErrors] of cases) {
      const response = await bulk(body);
      expect(response.status).toBe(422);
      expect(await response.json()).toEqual(problemBody(invalidProblem(...inputErrors)));
    }
  });
});
