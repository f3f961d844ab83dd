/**
 * Fault 10 of issue 14: a MERGE decision settles and its person-deactivation event is published,
 * then Redis is flushed, the published job with it. Postgres says the event was published
 * (`published_at`), so the outbox's ordinary relay would never send it again: the outbox marker,
 * gone with the flush, tells the worker's relay that this Redis lost what it held, and the relay
 * publishes the recent events again under the same event ids. At least once: the person registry
 * deduplicates by the event id.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { queueNames } from '@jabba/domain/engine';
import { addUserRole } from '@jabba/domain/identity';
import { reviewerRole } from '@jabba/domain/merge-review';
import { createPlatform, type Platform } from '#test/platform';
import { startPrivateRedis, type PrivateRedis } from '#test/private-services';
import { waitFor } from '#test/wait-for';

let redis: PrivateRedis;
let platform: Platform;
let connection: Redis;
let queue: Queue;

beforeAll(async () => {
  redis = await startPrivateRedis();
  platform = await createPlatform({ poolSize: 2 });
  connection = new Redis(redis.url, { maxRetriesPerRequest: null });
  queue = new Queue(queueNames.personDeactivation, { connection, prefix: platform.prefix });
});

afterAll(async () => {
  await queue?.close();
  connection?.disconnect();
  await platform?.stop();
  await redis?.stop();
});

const mutation = `mutation ($input: UpdateMergeRequestInput!) { updateMergeRequest(input: $input) {
  mergeRequest { status manualMergeCandidate { status } } } }`;
const globalId = (type: string, id: string): string => Buffer.from(`${type}:${id}`).toString('base64');
const republished = 'no outbox marker in Redis: published the recent person-deactivation events again';

/** A candidate two reviewers merged, held by a third whose NEW request will reach the quorum (3). */
async function oneMergeFromQuorum(): Promise<{ requestId: string; personId: string; masterPersonId: string; token: string }> {
  const [personId, masterPersonId, reviewer] = [randomUUID(), randomUUID(), randomUUID()];
  await platform.sql('insert into persons (id) values (?), (?)', [personId, masterPersonId]);
  const [candidate] = await platform.sql<{ id: string }>(
    'insert into manual_merge_candidates (merge_candidate_id, person_id, master_person_id, assignee_id) values (?, ?, ?, ?) returning id',
    [randomUUID(), personId, masterPersonId, reviewer]);
  await platform.sql(`insert into manual_merge_requests (manual_merge_candidate_id, assignee_id, status) values (?, ?, 'MERGE'), (?, ?, 'MERGE')`,
    [candidate!.id, randomUUID(), candidate!.id, randomUUID()]);
  const [request] = await platform.sql<{ id: string }>(`insert into manual_merge_requests (manual_merge_candidate_id, assignee_id, status) values (?, ?, 'NEW') returning id`,
    [candidate!.id, reviewer]);
  const client = await platform.nhsClient('Reviewers');
  await addUserRole(platform.orm.em.fork(), reviewer, client.id, reviewerRole);
  return { requestId: request!.id, personId, masterPersonId, token: await client.token(['merge_request:read', 'merge_request:write'], reviewer) };
}

describe('fault 10: Redis flushed after a MERGE decision settled', () => {
  it('publishes the person-deactivation event again, with the same event id', async () => {
    const { baseUrl, workers: [worker] } = await platform.start({
      workers: ['jabba-w1'],
      apiEnv: { REDIS_URL: redis.url },
      // The relay runs with each reconcile: a short period, since the test waits for it.
      workerEnv: { REDIS_URL: redis.url, RECONCILE_EVERY_MS: '1000' },
    });
    const { requestId, personId, masterPersonId, token } = await oneMergeFromQuorum();
    const response = await fetch(`${baseUrl}/graphql`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: mutation, variables: { input: { id: globalId('MergeRequest', requestId), status: 'MERGE' } } }),
    });
    expect(await response.json()).toMatchObject({ data: { updateMergeRequest: { mergeRequest: { status: 'MERGE', manualMergeCandidate: { status: 'PROCESSED' } } } } });

    const events = () => platform.sql<{ id: string; published: boolean }>('select id, published_at is not null as published from person_deactivation_events');
    const [event, ...others] = await events();
    expect(others).toEqual([]);
    expect(event!.published).toBe(true);
    const payload = { master_person_id: masterPersonId, merge_person_id: personId };
    expect((await queue.getJob(event!.id))?.data).toEqual(payload);

    await redis.flushAll();
    expect(await queue.getJob(event!.id)).toBeUndefined();

    const again = await waitFor(() => queue.getJob(event!.id), { timeout: 30_000, interval: 100, what: 'the event to be published again' });
    expect({ id: again.id, name: again.name, data: again.data as unknown }).toEqual({ id: event!.id, name: 'deactivate-person', data: payload });
    expect(await events()).toEqual([{ id: event!.id, published: true }]);
    // Once when the worker met this new Redis (nothing to publish yet), once after the flush; the
    // second line is written after the publish, so it may reach the output a moment after the job.
    const counts = await waitFor(() => {
      const lines = worker.output().split('\n').filter((l) => l.includes(republished));
      return lines.length >= 2 ? lines.map((l) => (JSON.parse(l) as { events: number }).events) : undefined;
    }, { what: 'the relay to log the republish' });
    expect(counts).toEqual([0, 1]);
  });
});
