import type { MikroORM } from '@mikro-orm/postgresql';
import { deleteEndedJobs, maintenanceRunNames, recordMaintenanceRun, type RetentionResult } from '@jabba/domain/engine';
import { sqlOf, type Logger } from '@jabba/domain/platform';
import { deleteOldDeliveries } from '@jabba/domain/webhooks';

export interface RetentionDeps {
  orm: MikroORM;
  logger: Logger;
  now: () => Date;
  /** null: retention is off (`JOB_RETENTION_DAYS=off`), the pass deletes nothing. */
  retentionDays: number | null;
  batchSize: number;
}

const dayMs = 86_400_000;

/**
 * One retention pass: deletes the jobs that ended more than `retentionDays` days ago, with their
 * tasks, and the finished webhook deliveries as old, and records the run in `maintenance_runs`.
 * Null when retention is off.
 */
export async function runRetention(deps: RetentionDeps): Promise<RetentionResult | null> {
  if (deps.retentionDays === null) return null;
  const cutoff = new Date(deps.now().getTime() - deps.retentionDays * dayMs);
  const em = deps.orm.em.fork();
  const result = await deleteEndedJobs(sqlOf(em), { cutoff, batchSize: deps.batchSize });
  // Webhook deliveries (job ids and counts, sent or given up) go by the same days.
  const webhookDeliveriesDeleted = await deleteOldDeliveries(sqlOf(em), { cutoff, batchSize: deps.batchSize });
  const record = { retentionDays: deps.retentionDays, ...result, longestStatementMs: Math.round(result.longestStatementMs), webhookDeliveriesDeleted };
  await recordMaintenanceRun(em, maintenanceRunNames.jobRetention, record);
  deps.logger.info(record, 'job retention: ended jobs deleted');
  return result;
}
