import type { Queue } from 'bullmq';
import type { MikroORM } from '@mikro-orm/postgresql';
import { chunksToReconcile, enqueueChunks } from '@jabba/domain/engine';
import type { Logger } from '@jabba/domain/platform';

/** Re-adds every chunk Postgres says is unfinished; chunks still in Redis are left as they are. */
export async function reconcile(deps: { orm: MikroORM; tasksQueue: Queue; logger: Logger }): Promise<number> {
  const chunks = await chunksToReconcile(deps.orm.em);
  await enqueueChunks(deps.tasksQueue, chunks);
  if (chunks.length > 0) deps.logger.info({ chunks: chunks.length }, 'reconciler re-offered unfinished chunks');
  return chunks.length;
}
