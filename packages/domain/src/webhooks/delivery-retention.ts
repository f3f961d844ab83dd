/**
 * Retention of webhook deliveries: finished ones (DELIVERED or FAILED) created before the cutoff go,
 * in bounded batches of short autocommitted statements, on the schedule and with the days of job
 * retention. PENDING ones stay whatever their age: the relay still owes them an attempt.
 */
import type { Sql } from '../platform';

/** Deletes finished deliveries created before `cutoff`, `batchSize` per statement; the number deleted. */
export async function deleteOldDeliveries(sql: Sql, { cutoff, batchSize }: { cutoff: Date; batchSize: number }): Promise<number> {
  let total = 0;
  for (;;) {
    const rows = await sql.query(
      `delete from webhook_deliveries where id in (
         select id from webhook_deliveries where inserted_at < $1 and status <> 'PENDING' order by inserted_at limit $2)
       returning 1`,
      [cutoff, batchSize],
    );
    total += rows.length;
    if (rows.length < batchSize) return total;
  }
}
