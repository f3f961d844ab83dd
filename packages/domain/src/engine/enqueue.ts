import type { Queue } from 'bullmq';
import { DomainError, type Logger } from '../platform';
import { taskChunkJobId, taskChunkJobName, taskChunkJobOptions, taskChunkPayload, type TaskChunkPayload } from './queues';

const batchSize = 1000;

/** Adds chunk messages; a chunk already queued or running is left alone (deterministic ids). */
export async function enqueueChunks(queue: Queue, chunks: readonly TaskChunkPayload[]): Promise<void> {
  for (let i = 0; i < chunks.length; i += batchSize) {
    await queue.addBulk(
      chunks.slice(i, i + batchSize).map((chunk) => ({
        name: taskChunkJobName,
        data: taskChunkPayload.parse(chunk),
        opts: { ...taskChunkJobOptions, jobId: taskChunkJobId(chunk) },
      })),
    );
  }
}

/** Chunks committed in Postgres that the queue refused: the reconciler offers them later. */
export class ChunksNotQueued extends Error {
  constructor(readonly jobId: string, cause: unknown) {
    super(`the chunks of job ${jobId} were committed but not queued; the reconciler will offer them`, { cause });
    this.name = 'ChunksNotQueued';
  }
}

/**
 * A queue's `error` listener: logs work committed but not queued, and drops the rest, the connection
 * errors a queue re-emits, which the connection's own listener logs once (without a listener BullMQ
 * prints every reconnect failure's stack to stderr).
 */
export const queueErrorListener = (logger: Logger) => (error: Error): void => {
  if (error instanceof ChunksNotQueued) logger.warn({ jobId: error.jobId, err: error.cause }, error.message);
};

/**
 * Enqueues the chunks of work just committed. If Redis died since `assertQueueAnswers`, the work is
 * still accepted: it is in Postgres, and the reconciler offers its chunks once Redis is back. The
 * caller answers as for any accepted job (202), not 500 for a job that exists; the failure goes to
 * the queue's `error` listeners, which every process logs.
 */
export async function enqueueAfterCommit(queue: Queue, jobId: string, chunks: readonly TaskChunkPayload[]): Promise<void> {
  try {
    await enqueueChunks(queue, chunks);
  } catch (error) {
    // An EventEmitter throws an 'error' nobody listens to: without a listener the error is only dropped.
    if (queue.listenerCount('error') > 0) queue.emit('error', new ChunksNotQueued(jobId, error));
  }
}

/** How long a PING of the queue's Redis may take before the work is refused. */
export const queueAnswerTimeoutMs = 1000;
export const queueRetryAfterSeconds = 5;

export const queueUnavailable = (): DomainError =>
  new DomainError('UNAVAILABLE', `The queue (Redis) does not answer, so nothing was written; try again in ${queueRetryAfterSeconds} seconds`, {
    retryAfterSeconds: queueRetryAfterSeconds,
  });

/**
 * Refuses work at once (UNAVAILABLE: 503 with Retry-After) while the queue's Redis does not answer,
 * before anything is written: a job committed while Redis is away would only wait for the reconciler,
 * and a caller whose connection queues commands until Redis is back would hang until then. A request
 * that passes and then finds Redis gone between its commit and its enqueue is the reconciler's case.
 */
export async function assertQueueAnswers(queue: Queue, timeoutMs = queueAnswerTimeoutMs): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  const ping = (async () => (await queue.getBackend().client).runCommand('ping', []) as Promise<unknown>)();
  // A PING that loses the race stays subscribed to by it, so its late rejection is handled.
  const answer = await Promise.race([ping, deadline]).catch(() => 'failed').finally(() => clearTimeout(timer));
  if (answer !== 'PONG') throw queueUnavailable();
}
