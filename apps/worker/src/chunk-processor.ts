import type { Job, Queue } from 'bullmq';
import type { MikroORM } from '@mikro-orm/postgresql';
import { type ChunkReport, enqueueChunks, handlerExecutor, type HandlerRegistry, rescueExecutor, runChunk, taskChunkPayload } from '@jabba/domain/engine';
import { inSpan, type Logger } from '@jabba/domain/platform';
import type { WorkerMetrics } from './metrics';

export interface ChunkDeps {
  orm: MikroORM;
  tasksQueue: Queue;
  handlers: HandlerRegistry;
  logger: Logger;
  metrics: WorkerMetrics;
}

const secondsSince = (start: bigint): number => Number(process.hrtime.bigint() - start) / 1e9;

const logReport = (logger: Logger, report: ChunkReport) => {
  if (report.skipped) logger.info({ skipped: report.skipped }, 'chunk skipped');
  else logger.debug({ ran: report.ran, outcomes: report.outcomes }, 'chunk done');
  if (report.jobEndedNow) logger.info({ status: report.jobStatus }, 'job ended');
};

/**
 * load → run the chunk's tasks in one transaction → enqueue the next step after commit. With
 * tracing on, in a span of its own under BullMQ's `process` span, which continues the trace that
 * enqueued the chunk; the chunk's queries nest under it.
 */
export const processTaskChunk = (deps: ChunkDeps) => async (message: Job): Promise<ChunkReport> => {
  const payload = taskChunkPayload.parse(message.data);
  const attributes = { 'jabba.job.id': payload.jobId, 'jabba.chunk.from_seq': payload.fromSeq, 'jabba.chunk.to_seq': payload.toSeq };
  return inSpan('jabba.chunk', attributes, async (span) => {
    // runChunk binds the job id to its own lines: bound here as well, it would appear twice in each.
    const chunkLogger = deps.logger.child({ bullJobId: message.id, fromSeq: payload.fromSeq });
    const start = process.hrtime.bigint();
    const report = await runChunk(deps.orm.em, payload, handlerExecutor(deps.handlers), chunkLogger);
    span?.setAttributes({ 'jabba.chunk.ran': report.ran, 'jabba.job.type': report.jobType ?? '' });
    deps.metrics.chunkDone(report, secondsSince(start));
    await enqueueChunks(deps.tasksQueue, report.followUps);
    logReport(chunkLogger.child({ jobId: payload.jobId }), report);
    return report;
  });
};

/** BullMQ gave up on a message: its tasks still PENDING end RESCUED so that the job can end. */
export async function rescueTaskChunk(deps: ChunkDeps, message: Job, error: Error): Promise<void> {
  const parsed = taskChunkPayload.safeParse(message.data);
  if (!parsed.success) return;
  const chunkLogger = deps.logger.child({ bullJobId: message.id, fromSeq: parsed.data.fromSeq });
  const start = process.hrtime.bigint();
  const report = await runChunk(deps.orm.em, parsed.data, rescueExecutor(error), chunkLogger);
  const logger = chunkLogger.child({ jobId: parsed.data.jobId });
  deps.metrics.chunkDone(report, secondsSince(start));
  logger.error({ err: error, rescued: report.outcomes.RESCUED }, 'chunk gave up after its last attempt');
  logReport(logger, report);
}
