/**
 * Tasks travel through BullMQ in chunks: aligned ranges of task positions. Chunk g of a job covers
 * seq g*size+1 … (g+1)*size, so the engine, retries and the reconciler all name the same chunk the
 * same way, and BullMQ's job-id de-duplication works across them.
 */
import type { TaskChunkPayload } from './queues';

export const chunkStart = (seq: number, size: number): number => Math.floor((seq - 1) / size) * size + 1;

export function chunkOf(job: { id: string; epoch: number; chunkSize: number }, seq: number): TaskChunkPayload {
  const fromSeq = chunkStart(seq, job.chunkSize);
  return { jobId: job.id, epoch: job.epoch, fromSeq, toSeq: fromSeq + job.chunkSize - 1 };
}

/** One chunk per distinct aligned range among `seqs` (ascending input not required). */
export function chunksCovering(job: { id: string; epoch: number; chunkSize: number }, seqs: Iterable<number>): TaskChunkPayload[] {
  const starts = new Set<number>();
  for (const seq of seqs) starts.add(chunkStart(seq, job.chunkSize));
  return [...starts].sort((a, b) => a - b).map((start) => chunkOf(job, start));
}

export function allChunks(job: { id: string; epoch: number; chunkSize: number }, total: number): TaskChunkPayload[] {
  const chunks: TaskChunkPayload[] = [];
  for (let start = 1; start <= total; start += job.chunkSize) chunks.push(chunkOf(job, start));
  return chunks;
}
