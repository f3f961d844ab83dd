import type { Queue } from 'bullmq';
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
