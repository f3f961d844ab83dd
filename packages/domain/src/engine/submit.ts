/**
 * The engine's write API for callers that own a queue (the api, the worker, scripts): change
 * Postgres first, then hand the chunks to BullMQ after the commit. A crash between the two loses
 * nothing: the reconciler finds the same chunks in Postgres. (Cancelling enqueues nothing: use
 * `cancelJob`; chunks still queued find their tasks ABORTED and do nothing.)
 */
import type { Queue } from 'bullmq';
import type { EntityManager } from '@mikro-orm/postgresql';
import { createJob, retryFailedTasks, type JobRecord, type JobWrite, type NewJob } from './job-writes';
import { enqueueChunks } from './enqueue';

export async function submitJob(em: EntityManager, queue: Queue, input: NewJob): Promise<JobWrite> {
  const written = await createJob(em, input);
  await enqueueChunks(queue, written.chunks);
  return written;
}

export async function retryJob(em: EntityManager, queue: Queue, jobId: string): Promise<JobRecord> {
  const { job, chunks } = await retryFailedTasks(em, jobId);
  await enqueueChunks(queue, chunks);
  return job;
}
