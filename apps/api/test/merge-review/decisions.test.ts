/**
 * GraphQL `updateMergeRequest` (SPEC §5): each refusal with its code and message, the transition
 * table, POSTPONE returning the candidate to the pool, the quorum for MERGE and for SPLIT, the
 * audit rows, and the person-deactivation outbox — the event exists iff the decision committed,
 * and lands on the queue once however often the api and the relay publish it.
 */
import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decideMergeRequest, publishDeactivationEvents, relayDeactivationEvents, republishAfterRedisLoss, requestStatuses, requestTransitions } from '@jabba/domain/merge-review';
import { queueNames } from '@jabba/domain/engine';
import { deleteKeysWithPrefix } from '#test/redis';
import { checkedApp, createTestApi, type Caller, type GraphqlResult, type TestApi } from '../support';
import { createApp, type App } from '../../src/app';
import { toGlobalId } from '../../src/platform/global-ids';

const scopes = ['merge_request:read', 'merge_request:write'];
const requestId = { requestId: expect.any(String) };
const mutation = `mutation ($input: UpdateMergeRequestInput!) { updateMergeRequest(input: $input) {
  mergeRequest { databaseId status comment manualMergeCandidate { databaseId status } } } }`;
type Body = GraphqlResult['body'];
const errorsOf = (body: Body) => body.errors?.map((e) => ({ message: e.message, path: e.path, extensions: e.extensions }));
const refusal = (code: string, message: string) => [{ message, path: ['updateMergeRequest'], extensions: { code } }];

describe('updateMergeRequest and the person-deactivation outbox', () => {
  let api: TestApi;

  async function insertCandidate(): Promise<{ id: string; personId: string; masterPersonId: string }> {
    const [personId, masterPersonId] = [randomUUID(), randomUUID()];
    await api.em().execute('insert into persons (id) values (?), (?)', [personId, masterPersonId]);
    const [row] = await api.em().execute<{ id: string }[]>(
      'insert into manual_merge_candidates (merge_candidate_id, person_id, master_person_id) values (?, ?, ?) returning id',
      [randomUUID(), personId, masterPersonId],
    );
    return { id: row!.id, personId, masterPersonId };
  }

  /** What an assignment leaves: a NEW request, and the candidate held by its reviewer. */
  async function assign(candidateId: string, reviewer: Caller, status = 'NEW'): Promise<string> {
    const [row] = await api.em().execute<{ id: string }[]>(
      'insert into manual_merge_requests (manual_merge_candidate_id, assignee_id, status) values (?, ?, ?) returning id',
      [candidateId, reviewer.userId, status],
    );
    if (status === 'NEW') await api.em().execute('update manual_merge_candidates set assignee_id = ? where id = ?', [reviewer.userId, candidateId]);
    return row!.id;
  }

  const reviewers = (n: number): Promise<Caller[]> => Promise.all(Array.from({ length: n }, () => api.caller({ scopes, roles: ['NHS_REVIEWER'] })));

  const decide = async (reviewer: Caller, id: string, status: string, extra: Record<string, unknown> = {}): Promise<Body> =>
    (await api.graphql({ query: mutation, variables: { input: { id: toGlobalId('MergeRequest', id), status, ...extra } }, token: reviewer.token })).body;

  const candidateState = async (id: string) =>
    (await api.em().execute('select status, decision, assignee_id from manual_merge_candidates where id = ?', [id]))[0];
  const requestState = async (id: string) => (await api.em().execute('select status, comment from manual_merge_requests where id = ?', [id]))[0];
  const auditOf = (resourceId: string) =>
    api.em().execute('select actor_id, resource, changeset from audit_log where resource_id = ? order by inserted_at', [resourceId]);
  const eventsOf = (candidateId: string) => api.em().execute<{ id: string }[]>(
    'select id, master_person_id, merge_person_id, published_at is not null as published from person_deactivation_events where manual_merge_candidate_id = ?', [candidateId]);

  beforeAll(async () => {
    api = await createTestApi();
  });
  afterAll(() => api.close());

  it('refuses, changing nothing: no token, no merge_request:write, an unknown id, another reviewer\'s request, a malformed id', async () => {
    const [owner, other] = await reviewers(2);
    const candidate = await insertCandidate();
    const id = await assign(candidate.id, owner!);
    const own = toGlobalId('MergeRequest', id);
    const readOnly = await api.token({ userId: owner!.userId, clientId: owner!.client.id, scopes: ['merge_request:read'] });
    const notFound = { message: 'Manual Merge Request not found', extensions: { code: 'NOT_FOUND' } };
    const notOwner = { message: "You don't have permission to access this resource", extensions: { code: 'FORBIDDEN' } };
    const cases: [string | undefined, string, string, Record<string, unknown>][] = [
      [undefined, own, 'MERGE', { message: 'Invalid access token', extensions: { code: 'UNAUTHENTICATED' } }],
      [readOnly, own, 'MERGE', {
        message: 'Your scope does not allow to access this resource. Missing allowances: merge_request:write',
        extensions: { code: 'FORBIDDEN', exception: { missingAllowances: ['merge_request:write'] } },
      }],
      [owner!.token, toGlobalId('MergeRequest', randomUUID()), 'MERGE', notFound],
      [owner!.token, toGlobalId('ManualMergeCandidate', candidate.id), 'MERGE', notFound],
      // Ownership is checked before the transition: a stranger learns nothing about the status.
      [other!.token, own, 'MERGE', notOwner],
      [other!.token, own, 'NEW', notOwner],
      [owner!.token, 'nope', 'MERGE', {
        message: 'Validation failed',
        extensions: { code: 'UNPROCESSABLE_ENTITY', exception: { inputErrors: [{ path: '$.id', message: 'is not a valid global id' }] } },
      }],
    ];
    for (const [token, globalId, status, error] of cases) {
      const response = await api.graphql({ query: mutation, variables: { input: { id: globalId, status } }, ...(token ? { token } : {}) });
      expect(response.status).toBe(200);
      expect({ ...response.body, errors: errorsOf(response.body) }).toEqual({
        data: { updateMergeRequest: null }, errors: [{ ...error, path: ['updateMergeRequest'] }], extensions: requestId,
      });
    }
    expect(await requestState(id)).toEqual({ status: 'NEW', comment: null });
    expect(await candidateState(candidate.id)).toEqual({ status: 'NEW', decision: null, assignee_id: owner!.userId });
    expect(await auditOf(id)).toEqual([]);
  });

  it('follows the transition table: NEW → MERGE|SPLIT|TRASH|POSTPONE, POSTPONE → MERGE|SPLIT|TRASH, nothing else', async () => {
    const [reviewer] = await reviewers(1);
    for (const from of requestStatuses) {
      for (const to of requestStatuses) {
        const candidate = await insertCandidate();
        // One NEW request per reviewer: each NEW case ends before the next begins.
        const id = await assign(candidate.id, reviewer!, from);
        const body = await decide(reviewer!, id, to, { comment: `${from} → ${to}` });
        if (requestTransitions[from].includes(to)) {
          expect(body.errors, `${from} → ${to}`).toBeUndefined();
          expect(decided(body)).toEqual({ databaseId: id, status: to, comment: `${from} → ${to}`, manualMergeCandidate: { databaseId: candidate.id, status: 'NEW' } });
          expect(await auditOf(id)).toEqual([{ actor_id: reviewer!.userId, resource: 'manual_merge_requests', changeset: { status: to, comment: `${from} → ${to}` } }]);
        } else {
          expect(body.data, `${from} → ${to}`).toEqual({ updateMergeRequest: null });
          expect(errorsOf(body)).toEqual(refusal('CONFLICT', 'Incorrect transition status'));
          expect(await requestState(id)).toEqual({ status: from, comment: null });
          expect(await auditOf(id)).toEqual([]);
        }
        await api.em().execute(`update manual_merge_requests set status = 'TRASH' where id = ? and status = 'NEW'`, [id]);
      }
    }
  });

  it('POSTPONE returns the candidate to the pool and lets the reviewer ask for a new one; a later comment-less decision keeps the comment', async () => {
    const [reviewer] = await reviewers(1);
    const candidate = await insertCandidate();
    const id = await assign(candidate.id, reviewer!);
    const canAssignNew = async () =>
      ((await api.graphql({ query: '{ mergeRequests { canAssignNew } }', token: reviewer!.token })).body.data as { mergeRequests: { canAssignNew: boolean } }).mergeRequests.canAssignNew;
    expect(await canAssignNew()).toBe(false);

    const body = await decide(reviewer!, id, 'POSTPONE', { comment: 'need the birth certificate' });
    expect(body).toEqual({
      data: { updateMergeRequest: { mergeRequest: { databaseId: id, status: 'POSTPONE', comment: 'need the birth certificate', manualMergeCandidate: { databaseId: candidate.id, status: 'NEW' } } } },
      extensions: requestId,
    });
    expect(await candidateState(candidate.id)).toEqual({ status: 'NEW', decision: null, assignee_id: null });
    expect(await auditOf(candidate.id)).toEqual([{ actor_id: reviewer!.userId, resource: 'manual_merge_candidates', changeset: { assignee_id: null } }]);
    expect(await canAssignNew()).toBe(true);

    expect(decided(await decide(reviewer!, id, 'TRASH'))).toMatchObject({ status: 'TRASH', comment: 'need the birth certificate' });
    expect((await auditOf(id)).map((a) => a.changeset)).toEqual([{ status: 'POSTPONE', comment: 'need the birth certificate' }, { status: 'TRASH' }]);
    // Below the quorum and no longer its holder: the candidate is left as it is.
    expect(await candidateState(candidate.id)).toEqual({ status: 'NEW', decision: null, assignee_id: null });
    expect(await auditOf(candidate.id)).toHaveLength(1);
  });

  it('settles a candidate at the third MERGE and emits one person-deactivation event, on the queue', async () => {
    const [a, b, c] = await reviewers(3);
    const candidate = await insertCandidate();
    for (const reviewer of [a!, b!]) {
      const body = await decide(reviewer, await assign(candidate.id, reviewer), 'MERGE');
      expect(decided(body).manualMergeCandidate).toEqual({ databaseId: candidate.id, status: 'NEW' });
      expect(await candidateState(candidate.id)).toEqual({ status: 'NEW', decision: null, assignee_id: null });
      expect(await eventsOf(candidate.id)).toEqual([]);
    }
    // The third reviewer postpones first: a postponed request counts like any other once decided.
    const third = await assign(candidate.id, c!);
    await decide(c!, third, 'POSTPONE');
    const body = await decide(c!, third, 'MERGE', { comment: 'same person' });
    expect(decided(body)).toEqual({ databaseId: third, status: 'MERGE', comment: 'same person', manualMergeCandidate: { databaseId: candidate.id, status: 'PROCESSED' } });
    expect(await candidateState(candidate.id)).toEqual({ status: 'PROCESSED', decision: 'MERGE', assignee_id: null });
    expect((await auditOf(candidate.id)).map((a) => [a.actor_id, a.changeset])).toEqual([
      [a!.userId, { assignee_id: null }],
      [b!.userId, { assignee_id: null }],
      [c!.userId, { assignee_id: null }],
      [c!.userId, { status: 'PROCESSED', decision: 'MERGE' }],
    ]);

    const [event, ...more] = await eventsOf(candidate.id);
    expect(more).toEqual([]);
    expect(event).toMatchObject({ master_person_id: candidate.masterPersonId, merge_person_id: candidate.personId, published: true });
    const job = await api.deps.personDeactivation.getJob(event!.id);
    expect({ name: job?.name, data: job?.data as unknown }).toEqual({
      name: 'deactivate-person', data: { master_person_id: candidate.masterPersonId, merge_person_id: candidate.personId },
    });

    // A request decided after the candidate was settled is recorded, and counts for nothing.
    const [late] = await reviewers(1);
    const lateId = await assign(candidate.id, late!, 'POSTPONE');
    expect(decided(await decide(late!, lateId, 'MERGE')).manualMergeCandidate).toEqual({ databaseId: candidate.id, status: 'PROCESSED' });
    expect(await eventsOf(candidate.id)).toHaveLength(1);
    expect(await auditOf(candidate.id)).toHaveLength(4);
  });

  it('settles at the third SPLIT, whatever other decisions came between, with no event', async () => {
    const team = await reviewers(5);
    const candidate = await insertCandidate();
    const steps = [['SPLIT', 'NEW'], ['MERGE', 'NEW'], ['TRASH', 'NEW'], ['SPLIT', 'NEW'], ['SPLIT', 'PROCESSED']] as const;
    for (const [i, [status, after]] of steps.entries()) {
      const reviewer = team[i]!;
      const body = await decide(reviewer, await assign(candidate.id, reviewer), status);
      expect(decided(body).manualMergeCandidate, `decision ${i + 1}`).toEqual({ databaseId: candidate.id, status: after });
    }
    expect(await candidateState(candidate.id)).toEqual({ status: 'PROCESSED', decision: 'SPLIT', assignee_id: null });
    expect((await auditOf(candidate.id)).at(-1)).toEqual({ actor_id: team[4]!.userId, resource: 'manual_merge_candidates', changeset: { status: 'PROCESSED', decision: 'SPLIT', assignee_id: null } });
    expect(await eventsOf(candidate.id)).toEqual([]);
  });

  it("a postponed request decided later does not take the candidate from the reviewer who holds it now", async () => {
    const [first, holder] = await reviewers(2);
    const candidate = await insertCandidate();
    const postponed = await assign(candidate.id, first!);
    await decide(first!, postponed, 'POSTPONE');
    await assign(candidate.id, holder!);
    expect(decided(await decide(first!, postponed, 'SPLIT')).status).toBe('SPLIT');
    expect(await candidateState(candidate.id)).toEqual({ status: 'NEW', decision: null, assignee_id: holder!.userId });
  });

  it('counts concurrent decisions one at a time: the quorum is reached once, with one event', async () => {
    for (let round = 0; round < 5; round += 1) {
      const [early, waiting, holder] = await reviewers(3);
      const candidate = await insertCandidate();
      await decide(early!, await assign(candidate.id, early!), 'MERGE');
      const postponed = await assign(candidate.id, waiting!, 'POSTPONE');
      const held = await assign(candidate.id, holder!);
      const bodies = await Promise.all([decide(waiting!, postponed, 'MERGE'), decide(holder!, held, 'MERGE')]);
      expect(bodies.map((b) => b.errors)).toEqual([undefined, undefined]);
      // Each answer re-reads the candidate after its own commit, so both may show it PROCESSED: the
      // proof that one decision settled it is the single settling audit row, by one of the two.
      expect(await candidateState(candidate.id)).toMatchObject({ status: 'PROCESSED', decision: 'MERGE' });
      const settling = (await auditOf(candidate.id)).filter((a) => (a.changeset as { status?: string }).status === 'PROCESSED');
      expect(settling).toHaveLength(1);
      expect([waiting!.userId, holder!.userId]).toContain(settling[0]!.actor_id);
      expect(await eventsOf(candidate.id)).toHaveLength(1);
    }
  });

  /** A candidate two reviewers have merged, held by a third whose NEW request will reach the quorum. */
  async function oneMergeFromQuorum() {
    const [reviewer, ...others] = await reviewers(3);
    const candidate = await insertCandidate();
    for (const other of others) await assign(candidate.id, other, 'MERGE');
    return { candidate, id: await assign(candidate.id, reviewer!), reviewer: reviewer! };
  }

  const rules = { maxPostponed: 5, quorum: 3 };
  const queue = () => api.deps.personDeactivation;
  /** The jobs on the queue, and the events of the outbox: one job per event, never more. */
  const jobIds = async () => (await queue().getJobs(['waiting', 'active', 'delayed', 'prioritized', 'completed', 'failed'])).map((j) => j.id).sort();
  const eventIds = async () => (await api.em().execute<{ id: string }[]>('select id from person_deactivation_events')).map((e) => e.id).sort();
  const unpublished = async () => Number((await api.em().execute('select count(*)::int as n from person_deactivation_events where published_at is null'))[0]!.n);
  const mergeThrough = async (app: App, reviewer: Caller, id: string): Promise<Body> => (await (await app.request('/graphql', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...reviewer.headers },
    body: JSON.stringify({ query: mutation, variables: { input: { id: toGlobalId('MergeRequest', id), status: 'MERGE' } } }),
  })).json()) as Body;

  it('outbox: leaves no event when the decision rolls back, and one when it commits', async () => {
    const { candidate, id, reviewer } = await oneMergeFromQuorum();
    // A deferred constraint trigger fails the transaction at COMMIT, after every statement of the decision ran.
    await api.em().execute(`create function refuse_event() returns trigger language plpgsql as $$ begin raise exception 'refused at commit'; end $$`);
    await api.em().execute(`create constraint trigger refuse_event after insert on person_deactivation_events
      deferrable initially deferred for each row execute function refuse_event()`);
    const jobsBefore = await jobIds();
    const body = await decide(reviewer, id, 'MERGE');
    expect(body.data).toEqual({ updateMergeRequest: null });
    expect(errorsOf(body)).toEqual(refusal('INTERNAL_SERVER_ERROR', 'Internal server error'));
    expect(await eventsOf(candidate.id)).toEqual([]);
    expect(await requestState(id)).toEqual({ status: 'NEW', comment: null });
    expect(await candidateState(candidate.id)).toEqual({ status: 'NEW', decision: null, assignee_id: reviewer.userId });
    expect([...(await auditOf(id)), ...(await auditOf(candidate.id))]).toEqual([]);
    expect(await jobIds()).toEqual(jobsBefore);

    await api.em().execute('drop trigger refuse_event on person_deactivation_events');
    await api.em().execute('drop function refuse_event');
    expect((await decide(reviewer, id, 'MERGE')).errors).toBeUndefined();
    expect(await eventsOf(candidate.id)).toHaveLength(1);
    expect(await jobIds()).toEqual(await eventIds());
  });

  it('outbox: the relay publishes what a crash between commit and publish left, once however often it is published', async () => {
    const { id, reviewer } = await oneMergeFromQuorum();
    // The decision as the api makes it, without the publish that follows the commit: a crash in between.
    const { event } = await decideMergeRequest(api.em(), { requestId: id, actorId: reviewer.userId, status: 'MERGE' }, rules);
    expect(await unpublished()).toBe(1);
    expect(await queue().getJob(event!.id)).toBeUndefined();

    expect(await relayDeactivationEvents(api.em(), queue())).toBe(1);
    expect(await unpublished()).toBe(0);
    expect((await queue().getJob(event!.id))?.data).toEqual({ master_person_id: event!.masterPersonId, merge_person_id: event!.mergePersonId });
    // The relay again, and the api's publish arriving late: still one job.
    expect(await relayDeactivationEvents(api.em(), queue())).toBe(0);
    await publishDeactivationEvents(api.em(), queue(), [event!]);
    expect(await jobIds()).toEqual(await eventIds());

    // The api and the relay publishing the same event at the same moment.
    const second = await oneMergeFromQuorum();
    const { event: raced } = await decideMergeRequest(api.em(), { requestId: second.id, actorId: second.reviewer.userId, status: 'MERGE' }, rules);
    await Promise.all([publishDeactivationEvents(api.em(), queue(), [raced!]), relayDeactivationEvents(api.em(), queue())]);
    expect(await unpublished()).toBe(0);
    expect(await jobIds()).toEqual(await eventIds());
  });

  it('outbox: after Redis lost its data (no marker), publishes the published events again, and the unpublished ones, under their ids', async () => {
    const published = await oneMergeFromQuorum();
    expect((await decide(published.reviewer, published.id, 'MERGE')).errors).toBeUndefined();
    const pending = await oneMergeFromQuorum();
    await decideMergeRequest(api.em(), { requestId: pending.id, actorId: pending.reviewer.userId, status: 'MERGE' }, rules);
    // The first pass on this Redis finds no marker: it publishes, and leaves the marker.
    expect(await republishAfterRedisLoss(api.em(), queue(), api.redis)).toBe((await eventIds()).length);
    expect(await republishAfterRedisLoss(api.em(), queue(), api.redis)).toBeNull();

    await deleteKeysWithPrefix(api.redis, api.prefix); // what FLUSHALL does to this test's keys
    expect(await jobIds()).toEqual([]);
    const events = await eventIds();
    expect(await republishAfterRedisLoss(api.em(), queue(), api.redis, 2)).toBe(events.length);
    expect(await jobIds()).toEqual(events);
    expect(await unpublished()).toBe(1); // marking is the relay's: it publishes the same job again, a no-op
    expect(await relayDeactivationEvents(api.em(), queue())).toBe(1);
    expect(await jobIds()).toEqual(events);
    expect(await republishAfterRedisLoss(api.em(), queue(), api.redis)).toBeNull();
  });

  it('outbox: answers the committed decision when the publish fails, and leaves the event to the relay', async () => {
    const { id, reviewer } = await oneMergeFromQuorum();
    // Redis refusing: no retries, no offline queue, so the publish fails at once.
    const refusing = new Redis('redis://127.0.0.1:1', { maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null, lazyConnect: true });
    refusing.on('error', () => undefined);
    const deadQueue = new Queue(queueNames.personDeactivation, { connection: refusing, prefix: api.prefix });
    deadQueue.on('error', () => undefined);
    try {
      const body = await mergeThrough(checkedApp(createApp({ ...api.deps, personDeactivation: deadQueue })), reviewer, id);
      expect(body.errors).toBeUndefined();
      expect(decided(body)).toMatchObject({ status: 'MERGE', manualMergeCandidate: { status: 'PROCESSED' } });
      expect(await unpublished()).toBe(1);
      expect(await relayDeactivationEvents(api.em(), queue())).toBe(1);
      expect(await jobIds()).toEqual(await eventIds());
    } finally {
      await deadQueue.close().catch(() => undefined);
      refusing.disconnect();
    }
  });
});

const decided = (body: Body) => (body.data as { updateMergeRequest: { mergeRequest: Record<string, unknown> } }).updateMergeRequest.mergeRequest;
