/**
 * The delivery queue: one BullMQ job per delivery row, whose job id is the delivery id, so adding
 * the same delivery twice leaves one job. Postgres holds the deliveries (the trigger on `jobs`
 * writes them as the job ends), and two relay passes move them to Redis:
 * - `relayNewDeliveries`, every second or so: the deliveries never published yet (a small partial
 *   index), marked published in the same transaction;
 * - `republishPendingDeliveries`, with every reconcile: every delivery still PENDING, published or
 *   not. One still queued (waiting, delayed for its backoff, running) is a no-op in Redis; one that
 *   Redis lost (a flush, a restart without persistence) is queued again.
 */
import type { JobsOptions, Queue } from 'bullmq';
import type { EntityManager } from '@mikro-orm/postgresql';
import { z } from 'zod';
import { inTransaction, isoMicros, sqlOf } from '../platform';

export const webhookDeliveriesQueue = 'webhook-deliveries';
export const webhookDeliveryJobName = 'deliver-webhook';

export const webhookDeliveryPayload = z.object({ deliveryId: z.uuid() });
export type WebhookDeliveryPayload = z.infer<typeof webhookDeliveryPayload>;

export interface RetryPolicy {
  /** WEBHOOK_MAX_ATTEMPTS: attempts in all, the first included. */
  maxAttempts: number;
  /** WEBHOOK_RETRY_BASE_MS: the wait before the first retry, doubled before each next one. */
  baseDelayMs: number;
}

/**
 * Postgres counts attempts and decides the last one (a re-published delivery starts BullMQ's count
 * afresh); BullMQ's own attempts are the same number only so a message failing for another reason
 * (Postgres down) also stops. Finished messages go: Postgres keeps the record.
 */
export const deliveryJobOptions = (p: RetryPolicy): JobsOptions => ({
  attempts: p.maxAttempts,
  backoff: { type: 'exponential', delay: p.baseDelayMs },
  removeOnComplete: true,
  removeOnFail: true,
});

async function addDeliveries(queue: Queue, ids: readonly string[], policy: RetryPolicy): Promise<void> {
  if (ids.length === 0) return;
  await queue.addBulk(ids.map((deliveryId) => ({
    name: webhookDeliveryJobName,
    data: webhookDeliveryPayload.parse({ deliveryId }),
    opts: { ...deliveryJobOptions(policy), jobId: deliveryId },
  })));
}

/**
 * Publishes up to `batch` never-published deliveries, oldest first, and marks them, in one
 * transaction whose row locks keep two workers' relays off the same rows. The number published.
 */
export async function relayNewDeliveries(em: EntityManager, queue: Queue, policy: RetryPolicy, batch = 500): Promise<number> {
  return inTransaction(em, async ({ sql }) => {
    const rows = await sql.query<{ id: string }>(
      `select id from webhook_deliveries where published_at is null order by inserted_at, id limit $1 for update skip locked`,
      [batch],
    );
    const ids = rows.map((r) => r.id);
    await addDeliveries(queue, ids, policy);
    if (ids.length > 0) await sql.query('update webhook_deliveries set published_at = now() where id = any($1::uuid[])', [ids]);
    return ids.length;
  });
}

/** Re-adds every PENDING delivery, page by page in creation order; the number offered. */
export async function republishPendingDeliveries(em: EntityManager, queue: Queue, policy: RetryPolicy, batch = 500): Promise<number> {
  const sql = sqlOf(em);
  // The key as text with microseconds: one trigger writes all of an event's deliveries with one
  // `now()`, and a Date's milliseconds would make a bound that never moves past them.
  let after: [string, string] = ['-infinity', '00000000-0000-0000-0000-000000000000'];
  let total = 0;
  for (;;) {
    const rows = await sql.query<{ id: string; inserted_at: string }>(
      `select id, ${isoMicros('inserted_at')} as inserted_at from webhook_deliveries
       where status = 'PENDING' and (inserted_at, id) > ($2::timestamptz, $3::uuid) order by inserted_at, id limit $1`,
      [batch, ...after],
    );
    await addDeliveries(queue, rows.map((r) => r.id), policy);
    total += rows.length;
    const last = rows.at(-1);
    if (!last || rows.length < batch) return total;
    after = [last.inserted_at, last.id];
  }
}
