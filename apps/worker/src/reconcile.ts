import type { Queue } from 'bullmq';
import type { MikroORM } from '@mikro-orm/postgresql';
import { chunksToReconcile, enqueueChunks, maintenanceRunNames, recordMaintenanceRun } from '@jabba/domain/engine';
import type { Logger } from '@jabba/domain/platform';
import type { WorkerMetrics } from './metrics';

/**
 * Re-adds every chunk Postgres says is unfinished; chunks still in Redis are left as they are. The
 * run is recorded in `maintenance_runs` (one upserted row), where operators read its last run.
 */
export async function reconcile(deps: { orm: MikroORM; tasksQueue: Queue; logger: Logger; metrics: WorkerMetrics }): Promise<number> {
  const chunks = await chunksToReconcile(deps.orm.em);
  await enqueueChunks(deps.tasksQueue, chunks);
  if (chunks.length > 0) deps.logger.info({ chunks: chunks.length }, 'reconciler re-offered unfinished chunks');
  await recordMaintenanceRun(deps.orm.em.fork(), maintenanceRunNames.reconcile, { reenqueued: chunks.length });
  deps.metrics.reconciled(chunks.length);
  return chunks.length;
}
