/**
 * `assignMergeCandidate` end to end in one process (SPEC §5): the api's checks in their order, then
 * the real queue round trip to an in-process worker, the candidate it picks, the rules it refuses
 * on, the audit rows, and what a timeout leaves behind.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Queue, QueueEvents } from 'bullmq';
import { queueNames } from '@jabba/domain/engine';
import { assignmentTimeoutMessage, mergeMessages, reviewerRole } from '@jabba/domain/merge-review';
import { messages } from '@jabba/domain/identity';
import { testPrefix } from '#test/redis';
import { waitFor } from '#test/wait-for';
import { createApp, type App } from '../../src/app';
import { isoMicros } from '../expect';
import { checkedApp, createTestApi, type Caller, type GraphqlResult, type TestApi } from '../support';
import { startTestWorker, type TestWorker } from '#test/worker';

const assignScope = 'merge_candidate:assign';
const assign = /* GraphQL */ `mutation {
  assignMergeCandidate {
    mergeRequest {
      id databaseId status comment insertedAt updatedAt
      manualMergeCandidate {
        databaseId status
        mergeCandidate { databaseId person { databaseId firstName lastName birthDate } masterPerson { databaseId } }
      }
    }
  }
}`;

interface Assigned {
  assignMergeCandidate: {
    mergeRequest: { id: string; databaseId: string; status: string; manualMergeCandidate: { databaseId: string } };
  } | null;
}

let api: TestApi;
let worker: TestWorker;

beforeAll(async () => {
  api = await createTestApi();
  worker = await startTestWorker(api);
});

afterAll(async () => {
  await worker.close();
  await api.close();
});

const sql = async <R>(text: string, values: unknown[] = []): Promise<R[]> => (await api.em().getConnection().execute(text, values)) as R[];

// Every test starts from an empty pool.
beforeEach(async () => {
  await sql('delete from audit_log');
  await sql('delete from person_deactivation_events');
  await sql('delete from manual_merge_requests');
  await sql('delete from manual_merge_candidates');
  await sql('delete from persons');
});

/** A NEW, unassigned candidate inserted `ago` before now, with `decided` final requests of other reviewers. */
async function candidate({ decided = 0, ago = '1 hour' } = {}): Promise<string> {
  const [person, master] = [randomUUID(), randomUUID()];
  await sql(`insert into persons (id, first_name, last_name, birth_date) values (?, 'Taras', 'Shevchenko', '1814-03-09'), (?, null, null, null)`, [person, master]);
  const [row] = await sql<{ id: string }>(
    `insert into manual_merge_candidates (merge_candidate_id, person_id, master_person_id, inserted_at) values (?, ?, ?, now() - ?::interval) returning id`,
    [randomUUID(), person, master, ago],
  );
  for (let i = 0; i < decided; i += 1) {
    await sql(`insert into manual_merge_requests (manual_merge_candidate_id, assignee_id, status) values (?, ?, 'SPLIT')`, [row!.id, randomUUID()]);
  }
  return row!.id;
}

const reviewer = (options: Parameters<TestApi['caller']>[0] = {}): Promise<Caller> =>
  api.caller({ scopes: [assignScope, 'merge_request:read'], roles: [reviewerRole], ...options });

const errorsOf = (result: GraphqlResult) => result.body.errors?.map((e) => ({ message: e.message, path: e.path, extensions: e.extensions }));

/** The one error `result` carries, with `assignMergeCandidate: null` as the payload. */
function expectError(result: GraphqlResult, message: string, extensions: Record<string, unknown>): void {
  expect(result.status).toBe(200);
  expect(result.body.data).toEqual({ assignMergeCandidate: null });
  expect(errorsOf(result)).toEqual([{ message, path: ['assignMergeCandidate'], extensions }]);
}

const assigned = async (token: string): Promise<string> => {
  const { body } = await api.graphql<Assigned>({ query: assign, token });
  expect(body.errors).toBeUndefined();
  return body.data!.assignMergeCandidate!.mergeRequest.manualMergeCandidate.databaseId;
};

describe('assignMergeCandidate: who may ask (SPEC §5 order)', () => {
  it('refuses a missing or bad token', async () => {
    await candidate();
    expectError(await api.graphql({ query: assign }), messages.invalidToken, { code: 'UNAUTHENTICATED' });
    expectError(await api.graphql({ query: assign, token: 'not-a-token' }), messages.invalidToken, { code: 'UNAUTHENTICATED' });
  });

  it('checks the scope first, then NHS, then not blocked, then the role', async () => {
    await candidate();
    const cases: [Parameters<TestApi['caller']>[0], string, Record<string, unknown>][] = [
      [{ scopes: ['merge_request:read'], clientType: 'MIS', isBlocked: true, roles: [] }, messages.missingScope([assignScope]),
        { code: 'FORBIDDEN', exception: { missingAllowances: [assignScope] } }],
      [{ clientType: 'MIS', isBlocked: true, roles: [] }, messages.clientTypeForbidden, { code: 'FORBIDDEN' }],
      [{ isBlocked: true, roles: [] }, messages.clientBlocked, { code: 'FORBIDDEN' }],
      [{ roles: ['NHS_ADMIN'] }, messages.roleMissing, { code: 'FORBIDDEN' }],
    ];
    for (const [options, message, extensions] of cases) {
      const { token } = await reviewer(options);
      expectError(await api.graphql({ query: assign, token }), message, extensions);
    }
    // None of them was assigned anything.
    expect(await sql('select id from manual_merge_requests')).toEqual([]);
  });
});

describe('assignMergeCandidate: the assignment', () => {
  it('answers the NEW request with its candidate and persons, and audits both changes', async () => {
    const id = await candidate();
    const me = await reviewer();
    const { body } = await api.graphql<Assigned>({ query: assign, token: me.token });
    expect(body.errors).toBeUndefined();
    const request = body.data!.assignMergeCandidate!.mergeRequest;
    const [row] = await sql<{ person_id: string; master_person_id: string; merge_candidate_id: string; assignee_id: string }>(
      'select person_id, master_person_id, merge_candidate_id, assignee_id from manual_merge_candidates where id = ?', [id]);
    expect(request).toEqual({
      id: Buffer.from(`MergeRequest:${request.databaseId}`).toString('base64'),
      databaseId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      status: 'NEW',
      comment: null,
      insertedAt: expect.stringMatching(isoMicros),
      updatedAt: expect.stringMatching(isoMicros),
      manualMergeCandidate: {
        databaseId: id,
        status: 'NEW',
        mergeCandidate: {
          databaseId: row!.merge_candidate_id,
          person: { databaseId: row!.person_id, firstName: 'Taras', lastName: 'Shevchenko', birthDate: '1814-03-09' },
          masterPerson: { databaseId: row!.master_person_id },
        },
      },
    });
    expect(row!.assignee_id).toBe(me.userId);
    expect(await sql('select manual_merge_candidate_id, assignee_id, status, comment from manual_merge_requests where id = ?', [request.databaseId]))
      .toEqual([{ manual_merge_candidate_id: id, assignee_id: me.userId, status: 'NEW', comment: null }]);
    expect(await sql('select actor_id, resource, resource_id, changeset from audit_log order by resource')).toEqual([
      { actor_id: me.userId, resource: 'manual_merge_candidates', resource_id: id, changeset: { assignee_id: me.userId } },
      { actor_id: me.userId, resource: 'manual_merge_requests', resource_id: request.databaseId, changeset: { status: 'NEW' } },
    ]);
  });

  it('prefers the candidate with the most requests, then the oldest', async () => {
    const oldest = await candidate({ ago: '3 days' });
    const once = await candidate({ decided: 1, ago: '2 days' });
    const twiceNewer = await candidate({ decided: 2, ago: '1 hour' });
    const twiceOlder = await candidate({ decided: 2, ago: '1 day' });
    const order: string[] = [];
    for (let i = 0; i < 4; i += 1) order.push(await assigned((await reviewer()).token));
    expect(order).toEqual([twiceOlder, twiceNewer, once, oldest]);
  });

  it('never offers a reviewer a candidate twice, even once a POSTPONE returned it to the pool', async () => {
    const first = await candidate({ decided: 2 });
    const me = await reviewer();
    expect(await assigned(me.token)).toBe(first);
    // What updateMergeRequest(POSTPONE) leaves: the request postponed, the candidate back in the pool.
    await sql(`update manual_merge_requests set status = 'POSTPONE' where assignee_id = ?`, [me.userId]);
    await sql('update manual_merge_candidates set assignee_id = null where id = ?', [first]);

    expectError(await api.graphql({ query: assign, token: me.token }), mergeMessages.noCandidate, { code: 'NOT_FOUND' });
    const second = await candidate();
    expect(await assigned(me.token)).toBe(second);
    // Another reviewer still gets the postponed one, first in line with its three requests.
    await sql(`update manual_merge_requests set status = 'POSTPONE' where assignee_id = ?`, [me.userId]);
    await sql('update manual_merge_candidates set assignee_id = null where id = ?', [second]);
    expect(await assigned((await reviewer()).token)).toBe(first);
  });

  it('finds nothing when every candidate is assigned or processed', async () => {
    const taken = await candidate();
    const processed = await candidate();
    await sql('update manual_merge_candidates set assignee_id = ? where id = ?', [randomUUID(), taken]);
    await sql(`update manual_merge_candidates set status = 'PROCESSED', decision = 'MERGE' where id = ?`, [processed]);
    expectError(await api.graphql({ query: assign, token: (await reviewer()).token }), mergeMessages.noCandidate, { code: 'NOT_FOUND' });
    expect(await sql('select id from audit_log')).toEqual([]);
  });

  it('refuses a reviewer who holds a NEW request, before looking for a candidate', async () => {
    await candidate();
    const me = await reviewer();
    await assigned(me.token);
    await candidate();
    expectError(await api.graphql({ query: assign, token: me.token }), mergeMessages.newRequestPresent, { code: 'CONFLICT' });
    expect(await sql<{ n: number }>('select count(*)::int as n from manual_merge_requests where assignee_id = ?', [me.userId])).toEqual([{ n: 1 }]);
  });

  it('refuses a reviewer at MAX_POSTPONED_MERGE_REQUESTS postponed requests, and not one below it', async () => {
    const me = await reviewer();
    const postpone = async () => {
      const id = await candidate();
      await sql(`insert into manual_merge_requests (manual_merge_candidate_id, assignee_id, status) values (?, ?, 'POSTPONE')`, [id, me.userId]);
    };
    for (let i = 0; i < api.config.MAX_POSTPONED_MERGE_REQUESTS - 1; i += 1) await postpone();
    const fresh = await candidate({ ago: '1 second' });
    expect(await assigned(me.token)).toBe(fresh);
    await sql(`update manual_merge_requests set status = 'POSTPONE' where assignee_id = ? and status = 'NEW'`, [me.userId]);
    await sql('update manual_merge_candidates set assignee_id = null where id = ?', [fresh]);

    await candidate();
    expectError(await api.graphql({ query: assign, token: me.token }), mergeMessages.postponedLimit, { code: 'CONFLICT' });
    // A NEW request is named first when both rules refuse.
    await sql(`insert into manual_merge_requests (manual_merge_candidate_id, assignee_id, status) values (?, ?, 'NEW')`, [await candidate(), me.userId]);
    expectError(await api.graphql({ query: assign, token: me.token }), mergeMessages.newRequestPresent, { code: 'CONFLICT' });
  });
});

describe('assignMergeCandidate: a worker too slow to answer', () => {
  const graphqlOn = async (app: App, token: string): Promise<GraphqlResult> => {
    const response = await app.request('/graphql', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: assign }),
    });
    return { status: response.status, body: (await response.json()) as GraphqlResult['body'] };
  };

  it('withdraws a request no worker has taken: the reviewer has nothing and may ask again', async () => {
    // A queue no worker serves.
    const prefix = testPrefix();
    const parked = new Queue(queueNames.mergeAssignments, { connection: api.redis, prefix });
    const events = new QueueEvents(queueNames.mergeAssignments, { connection: api.redis, prefix });
    try {
      const app = checkedApp(createApp({ ...api.deps, mergeAssignments: parked, mergeAssignmentEvents: events, config: { ...api.config, MERGE_ASSIGN_TIMEOUT_MS: 200 } }));
      const id = await candidate();
      const me = await reviewer();
      expectError(await graphqlOn(app, me.token), assignmentTimeoutMessage, { code: 'INTERNAL_SERVER_ERROR' });
      expect(await parked.getJobCounts('waiting', 'active', 'completed', 'failed')).toEqual({ waiting: 0, active: 0, completed: 0, failed: 0 });
      expect(await assigned(me.token)).toBe(id);
    } finally {
      await events.close();
      await parked.close();
    }
  });

  it('lets a request a worker is running finish: the reviewer then finds it in mergeRequests', async () => {
    const id = await candidate();
    const me = await reviewer();
    const app = checkedApp(createApp({ ...api.deps, config: { ...api.config, MERGE_ASSIGN_TIMEOUT_MS: 1_500 } }));
    // Holding the reviewer's lock keeps the worker inside its transaction past the api's patience.
    await api.em().transactional(async (em) => {
      await em.execute(`select pg_advisory_xact_lock(hashtext('manual_merge_assignment'), hashtext(?))`, [me.userId]);
      const answer = graphqlOn(app, me.token);
      await waitFor(async () => (await sql<{ n: number }>(
        `select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and wait_event = 'advisory'`,
      ))[0]!.n === 1, { what: 'the worker to wait for the lock' });
      expectError(await answer, assignmentTimeoutMessage, { code: 'INTERNAL_SERVER_ERROR' });
    });
    await waitFor(async () => (await sql('select id from manual_merge_requests where assignee_id = ?', [me.userId])).length === 1, {
      what: 'the worker to finish the assignment',
    });
    const { body } = await api.graphql<{ mergeRequests: { canAssignNew: boolean; nodes: { status: string; manualMergeCandidate: { databaseId: string } }[] } }>({
      query: '{ mergeRequests { canAssignNew nodes { status manualMergeCandidate { databaseId } } } }',
      token: me.token,
    });
    expect(body.data?.mergeRequests).toEqual({ canAssignNew: false, nodes: [{ status: 'NEW', manualMergeCandidate: { databaseId: id } }] });
    expectError(await api.graphql({ query: assign, token: me.token }), mergeMessages.newRequestPresent, { code: 'CONFLICT' });
  });
});
