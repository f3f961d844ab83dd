/**
 * The outbox of person-deactivation events (SPEC §5): a settled MERGE inserts its event in the
 * decision's own transaction, so the event exists if and only if the decision committed. Whoever
 * made the decision publishes it to the `person-deactivation` queue right after the commit; the
 * worker's relay publishes whatever a crash left unpublished. The BullMQ job id is the event id,
 * so the two publishing the same event leave one job on the queue.
 */
import type { JobsOptions, Queue } from 'bullmq';
import type { EntityManager } from '@mikro-orm/postgresql';
import { z } from 'zod';
import { inTransaction, type Raw, type Sql } from '../platform';

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

/**
 * The job id is what de-duplicates a second publish, and only while the job is kept: completed jobs
 * stay a week, far longer than an event can wait between its first publish and `published_at`.
 */
const personDeactivationJobOptions: JobsOptions = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: { age: 7 * 86_400 },
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
