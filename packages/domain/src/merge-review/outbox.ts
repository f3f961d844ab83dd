/**
 * The outbox of person-deactivation events (SPEC §5): a settled MERGE inserts its event in the
 * decision's own transaction, so the event exists if and only if the decision committed. Whoever
 * made the decision publishes it to the `person-deactivation` queue right after the commit; the
 * worker's relay publishes whatever a crash left unpublished. The BullMQ job id is the event id,
 * so the two publishing the same event leave one job on the queue. A Redis that lost its data has
 * the recent events published again (`republishAfterRedisLoss`): delivery is at least once, and the
 * person registry deduplicates by the event id.
 */
import type { JobsOptions, Queue } from 'bullmq';
import type { EntityManager } from '@mikro-orm/postgresql';
import { z } from 'zod';
import { inTransaction, sqlOf, type Raw, type Sql } from '../platform';

/**
 * What the person registry receives; the names are the eHealth contract's. Any hex uuid (not only
 * RFC 9562 variants): person ids come from the registry as they are.
 */
export const personDeactivationPayload = z.object({
  master_person_id: z.guid(),
  merge_person_id: z.guid(),
});
export type PersonDeactivationPayload = z.infer<typeof personDeactivationPayload>;

export const personDeactivationJobName = 'deactivate-person';

/** A week: how long a completed event's job is kept, and how far back a lost Redis is refilled. */
const keptSeconds = 7 * 86_400;

/**
 * The job id is what de-duplicates a second publish, and only while the job is kept: completed jobs
 * stay a week, far longer than an event can wait between its first publish and `published_at`.
 */
const personDeactivationJobOptions: JobsOptions = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: { age: keptSeconds },
  removeOnFail: false,
};

export interface PersonDeactivationEvent {
  id: string;
  manualMergeCandidateId: string;
  masterPersonId: string;
  mergePersonId: string;
}

const toEvent = (r: Raw): PersonDeactivationEvent => ({
  id: r.id as string,
  manualMergeCandidateId: r.manual_merge_candidate_id as string,
  masterPersonId: r.master_person_id as string,
  mergePersonId: r.merge_person_id as string,
});

const eventColumns = 'id, manual_merge_candidate_id, master_person_id, merge_person_id';

/** Inserts the event on `sql`, which must be the transaction of the decision. */
export async function insertDeactivationEvent(sql: Sql, event: Omit<PersonDeactivationEvent, 'id'>): Promise<PersonDeactivationEvent> {
  const [row] = await sql.query<Raw>(
    `insert into person_deactivation_events (manual_merge_candidate_id, master_person_id, merge_person_id)
     values ($1, $2, $3) returning ${eventColumns}`,
    [event.manualMergeCandidateId, event.masterPersonId, event.mergePersonId],
  );
  if (!row) throw new Error('insert into person_deactivation_events returned no row');
  return toEvent(row);
}

async function addToQueue(queue: Queue, events: readonly PersonDeactivationEvent[]): Promise<void> {
  if (events.length === 0) return;
  await queue.addBulk(events.map((event) => ({
    name: personDeactivationJobName,
    data: personDeactivationPayload.parse({ master_person_id: event.masterPersonId, merge_person_id: event.mergePersonId }),
    opts: { ...personDeactivationJobOptions, jobId: event.id },
  })));
}

/**
 * Publishes committed events, then records that they were: an event published but not yet marked
 * (a crash in between) is published again by the relay, which the job id makes harmless.
 */
export async function publishDeactivationEvents(em: EntityManager, queue: Queue, events: readonly PersonDeactivationEvent[]): Promise<void> {
  if (events.length === 0) return;
  await addToQueue(queue, events);
  await inTransaction(em, ({ sql }) => markPublished(sql, events));
}

// `published_at is null`: the api and the relay may both mark one event; the first time stands.
const markPublished = (sql: Sql, events: readonly PersonDeactivationEvent[]): Promise<unknown> =>
  sql.query('update person_deactivation_events set published_at = now() where id = any($1::uuid[]) and published_at is null', [events.map((e) => e.id)]);

/**
 * The relay's pass: publishes up to `batch` unpublished events, oldest first, and marks them, in
 * one transaction whose row locks keep two relays off the same events (the api publishing one
 * at the same moment is covered by the job id). The number published.
 */
export async function relayDeactivationEvents(em: EntityManager, queue: Queue, batch = 500): Promise<number> {
  return inTransaction(em, async ({ sql }) => {
    const rows = await sql.query<Raw>(
      `select ${eventColumns} from person_deactivation_events where published_at is null
       order by inserted_at limit $1 for update skip locked`,
      [batch],
    );
    const events = rows.map(toEvent);
    await addToQueue(queue, events);
    if (events.length > 0) await markPublished(sql, events);
    return events.length;
  });
}

/** The two commands the marker needs, as an ioredis client (or cluster) has them. */
export interface MarkerRedis {
  exists(key: string): Promise<number>;
  set(key: string, value: string): Promise<unknown>;
}

/** Beside the queue's own keys, so it goes wherever they go: a FLUSHALL, or a new empty server. */
const markerKey = (queue: Queue): string => queue.toKey('outbox-marker');

/**
 * Postgres says an event was published (`published_at`), but its job lives in Redis only: a Redis
 * that lost its data (FLUSHALL, a restart without persistence, a new server) lost every event not
 * yet consumed. The marker key says "this Redis holds what was published before me". When it is
 * missing, every event of the last week (as long as a completed job is kept) and every one not yet
 * marked is published again under its event id, and the number is answered; with the marker
 * there, null. The marker is written first: a loss during the pass takes it again, and the next
 * pass starts over. A republished event may already have been consumed: consumers deduplicate by
 * the event id (the job id).
 */
export async function republishAfterRedisLoss(em: EntityManager, queue: Queue, redis: MarkerRedis, batch = 500): Promise<number | null> {
  const key = markerKey(queue);
  if ((await redis.exists(key)) === 1) return null;
  await redis.set(key, new Date().toISOString());
  const sql = sqlOf(em);
  let total = 0;
  // Keyset by id: the order does not matter, only that each event is read once.
  for (let after = '00000000-0000-0000-0000-000000000000'; ;) {
    const rows = await sql.query<Raw>(
      `select ${eventColumns} from person_deactivation_events
       where (published_at is null or published_at > now() - make_interval(secs => $1)) and id > $2
       order by id limit $3`,
      [keptSeconds, after, batch],
    );
    const events = rows.map(toEvent);
    await addToQueue(queue, events);
    total += events.length;
    if (events.length < batch) return total;
    after = events.at(-1)!.id;
  }
}
