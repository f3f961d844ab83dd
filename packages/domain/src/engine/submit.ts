/**
 * The engine's write API for callers that own a queue (the api, the worker, scripts): check that the
 * queue's Redis answers (else UNAVAILABLE, before any write), change Postgres, then hand the chunks
 * to BullMQ after the commit. A crash between the two, or a Redis that dies between them, loses
 * nothing: the reconciler finds the same chunks in Postgres. (Cancelling enqueues nothing: use
 * `cancelJob`; chunks still queued find their tasks ABORTED and do nothing.)
 */
import type { Queue } from 'bullmq';
import type { EntityManager } from '@mikro-orm/postgresql';
import { inSpan } from '../platform';
import type { JobTypeDefinition } from './catalog';
import { assertQueueAnswers, enqueueAfterCommit } from './enqueue';
import { createJob, type NewJob } from './job-create';
import { retryFailedTasks, type JobRecord, type JobWrite } from './job-writes';

/**
 * Any job, typed or not (tests and benchmarks make up their own types). With tracing on, one span
 * covers both steps, so the chunks' BullMQ messages carry its context and every chunk that runs
 * the job joins the trace of the request that created it.
 */
export function submitJob<T>(em: EntityManager, queue: Queue, input: NewJob<T>): Promise<JobWrite> {
  return inSpan('jabba.job.create', { 'jabba.job.type': input.type }, async (span) => {
    await assertQueueAnswers(queue);
    const written = await createJob(em, input);
    span?.setAttributes({ 'jabba.job.id': written.job.id, 'jabba.job.created': written.created, 'jabba.job.chunks': written.chunks.length });
    await enqueueAfterCommit(queue, written.job.id, written.chunks);
    return written;
  });
}

export interface NewTask<TaskMeta, Input> {
  meta: TaskMeta;
  input?: Input;
  priority?: number;
}

export interface Submission<JobMeta, TaskMeta, Input> {
  /**
   * The job's meta, or a function giving it once the tasks have been read: for facts that arrive
   * with the tasks (a CSV's header, a multipart form field after the file part). It may throw to
   * refuse the job.
   */
  meta: JobMeta | (() => JobMeta);
  clientId?: string | null;
  userId?: string | null;
  idempotencyKey?: string | null;
  /** Tasks per queue message; the type's own `chunkSize` when unset. */
  chunkSize?: number | undefined;
  /** Read into COPY inside the job's transaction; if the iterable throws, nothing is created (e.g. a bad upload's 422). */
  tasks: Iterable<NewTask<TaskMeta, Input>> | AsyncIterable<NewTask<TaskMeta, Input>>;
  /** See `NewJob.receive`: brings what `tasks` reads onto local disk first (an upload). */
  receive?: NewJob<unknown>['receive'];
  /** See `NewJob.checkReplay`: refuses a replayed idempotency key that asked for something else. */
  checkReplay?: (job: JobRecord) => void;
}

/**
 * Submits a job of a defined type: its name, strategy, chunk size and task name come from the
 * definition, and its meta and every task's meta and input are parsed with the definition's schemas
 * before they are stored, as the worker parses them again before it runs them.
 */
export function submit<JobMeta, TaskMeta, Input extends string | null>(
  em: EntityManager,
  queue: Queue,
  type: JobTypeDefinition<string, JobMeta, TaskMeta, Input, never>,
  submission: Submission<JobMeta, TaskMeta, Input>,
): Promise<JobWrite> {
  const { meta } = submission;
  const jobMeta = (value: JobMeta): Record<string, unknown> | null => type.jobMeta.parse(value) as Record<string, unknown> | null;
  return submitJob(em, queue, {
    type: type.type,
    name: type.name,
    strategy: type.strategy,
    chunkSize: submission.chunkSize ?? type.chunkSize,
    clientId: submission.clientId ?? null,
    userId: submission.userId ?? null,
    idempotencyKey: submission.idempotencyKey ?? null,
    ...(typeof meta === 'function' ? { completeMeta: () => jobMeta((meta as () => JobMeta)()) ?? {} } : { meta: jobMeta(meta) }),
    tasks: submission.tasks,
    receive: submission.receive,
    checkReplay: submission.checkReplay,
    toTask: (task) => ({
      name: type.taskName,
      meta: type.taskMeta.parse(task.meta) as Record<string, unknown> | null,
      input: type.taskInput.parse(task.input ?? null),
      priority: task.priority ?? 0,
    }),
  });
}

export function retryJob(em: EntityManager, queue: Queue, jobId: string): Promise<JobRecord> {
  return inSpan('jabba.job.retry', { 'jabba.job.id': jobId }, async () => {
    await assertQueueAnswers(queue);
    const { job, chunks } = await retryFailedTasks(em, jobId);
    await enqueueAfterCommit(queue, job.id, chunks);
    return job;
  });
}
