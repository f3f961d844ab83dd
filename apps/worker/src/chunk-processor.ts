import type { Job, Queue } from 'bullmq';
import type { MikroORM } from '@mikro-orm/postgresql';
import {
  chunkAttempts, type ChunkReport, countChunkAttempt, enqueueChunks, handlerExecutor, type HandlerRegistry, narrowChunk, rescueExecutor, runChunk,
  taskChunkPayload, type TaskChunkPayload,
} from '@jabba/domain/engine';
import { inSpan, type Logger } from '@jabba/domain/platform';
import type { ChunkGate } from './chunk-gate';
import type { WorkerMetrics } from './metrics';

export interface ChunkDeps {
  orm: MikroORM;
  tasksQueue: Queue;
  handlers: HandlerRegistry;
  logger: Logger;
  metrics: WorkerMetrics;
  /** CHUNK_MAX_ATTEMPTS: starts of one range (counted in Postgres) before it is split instead. */
  maxAttempts: number;
  /** This process's admission of chunks: a suspect runs alone (chunk-gate.ts). */
  gate: ChunkGate;
}

const secondsSince = (start: bigint): number => Number(process.hrtime.bigint() - start) / 1e9;

const logReport = (logger: Logger, report: ChunkReport) => {
  if (report.skipped) logger.info({ skipped: report.skipped }, 'chunk skipped');
  else logger.debug({ ran: report.ran, outcomes: report.outcomes }, 'chunk done');
  if (report.jobEndedNow) logger.info({ status: report.jobStatus }, 'job ended');
};

const noOutcomes = { PROCESSED: 0, FAILED: 0, RESCUED: 0 };

/**
 * The range was started more than `maxAttempts` times without finishing: it is not run again, but
 * split (engine/chunk-attempts.ts); when one task is left, that task ends RESCUED.
 */
async function splitChunk(deps: ChunkDeps, payload: TaskChunkPayload, attempts: number, logger: Logger): Promise<ChunkReport> {
  const started = attempts - 1;
  const cause = new Error(`tasks ${payload.fromSeq}-${payload.toSeq} of job ${payload.jobId} never finished in ${started} attempt${started === 1 ? '' : 's'}: `
    + 'each time the worker died or the chunk failed');
  const { pieces, rescued } = await narrowChunk(deps.orm.em, payload, cause, logger);
  const jobLogger = logger.child({ jobId: payload.jobId });
  if (rescued) {
    jobLogger.error({ toSeq: payload.toSeq, attempts: started, rescued: rescued.outcomes.RESCUED }, 'chunk gave up after its last attempt: its last task RESCUED');
    return rescued;
  }
  // Offered again (by the reconciler) once its pieces ran, a range may have nothing left to split.
  if (pieces.length > 0) jobLogger.warn({ toSeq: payload.toSeq, attempts: started, pieces: pieces.map((p) => `${p.fromSeq}-${p.toSeq}`) }, 'chunk split after too many attempts');
  return { ran: 0, outcomes: { ...noOutcomes }, jobEndedNow: false, followUps: pieces };
}

/**
 * count the attempt → load → run the chunk's tasks in one transaction → enqueue the next step after
 * commit. With tracing on, in a span of its own under BullMQ's `process` span, which continues the
 * trace that enqueued the chunk; the chunk's queries nest under it.
 */
export const processTaskChunk = (deps: ChunkDeps) => async (message: Job): Promise<ChunkReport> => {
  const payload = taskChunkPayload.parse(message.data);
  const attributes = { 'jabba.job.id': payload.jobId, 'jabba.chunk.from_seq': payload.fromSeq, 'jabba.chunk.to_seq': payload.toSeq };
  return inSpan('jabba.chunk', attributes, async (span) => {
    // runChunk binds the job id to its own lines: bound here as well, it would appear twice in each.
    const chunkLogger = deps.logger.child({ bullJobId: message.id, fromSeq: payload.fromSeq });
    // Started before and never finished, or a piece of a chunk that was: it may be what kills
    // workers, so it runs alone (a range past its limit is only split, which kills nothing).
    const before = await chunkAttempts(deps.orm.em, payload);
    const suspect = (payload.piece === true || before > 0) && before < deps.maxAttempts;
    return deps.gate.run(suspect, async () => {
      // Committed before the chunk runs: if the process dies while it runs, the attempt counted.
      const attempts = await countChunkAttempt(deps.orm.em, payload);
      const start = process.hrtime.bigint();
      const report = attempts > deps.maxAttempts
        ? await splitChunk(deps, payload, attempts, chunkLogger)
        : await runChunk(deps.orm.em, payload, handlerExecutor(deps.handlers), chunkLogger);
      span?.setAttributes({ 'jabba.chunk.ran': report.ran, 'jabba.job.type': report.jobType ?? '' });
      deps.metrics.chunkDone(report, secondsSince(start));
      await enqueueChunks(deps.tasksQueue, report.followUps);
      logReport(chunkLogger.child({ jobId: payload.jobId }), report);
      return report;
    });
  });
};

/**
 * BullMQ gave up on a message it must not retry (its failure policy said so): its tasks still
 * PENDING end RESCUED so that the job can end.
 */
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
