/**
 * The worker loop: BullMQ workers on the tasks, maintenance, merge-assignment and webhook queues, the job
 * schedulers of the reconciler, the destination deletion sweep and job retention, and a reconcile pass at
 * start. Started with autorun off, run only once everything is wired; `close()` stops fetching,
 * lets running chunks finish within a deadline, else hands them back.
 */
import { Queue, Worker, type Job, type Telemetry } from 'bullmq';
import type { MikroORM } from '@mikro-orm/postgresql';
import { type HandlerRegistry, queueErrorListener, queueNames, reconcileJobName, type RetentionResult, taskChunkPayload } from '@jabba/domain/engine';
import type { MergeRules } from '@jabba/domain/merge-review';
import { queuePrefixOf, type Logger, type RedisConnection } from '@jabba/domain/platform';
import type { WorkerConfig } from './config';
import { withFailurePolicy } from './failure-policy';
import { sweepDestinations } from '@jabba/domain/destinations';
import { processMergeAssignment } from './merge-assignment';
import { relayOutbox } from './outbox-relay';
import { reconcile } from './reconcile';
import { runRetention } from './retention';
import { processTaskChunk, rescueTaskChunk } from './chunk-processor';
import { ChunkGate } from './chunk-gate';
import { workerMetrics, type WorkerMetrics } from './metrics';
import { webhookDelivery, type WebhookSettings } from './webhook-delivery';

/** What the worker loop is tuned by: `workerSettingsOf(config)`, which tests override field by field. */
export interface WorkerSettings {
  prefix: string;
  concurrency: number;
  reconcileEveryMs: number;
  /** Lock on a running chunk; a dead worker's chunk is redelivered after it. */
  lockDurationMs: number;
  /** CHUNK_MAX_ATTEMPTS: starts of one range of tasks, counted in Postgres, before it is split. */
  chunkMaxAttempts: number;
  /** How often the deletion sweep runs. */
  sweepEveryMs: number;
  deleteAfterDays: number;
  /** Days ended jobs are kept; null: retention is off. */
  retentionDays: number | null;
  retentionEveryMs: number;
  /** Tasks deleted per statement by the retention pass. */
  retentionBatchSize: number;
  /** MAX_POSTPONED_MERGE_REQUESTS (and MERGE_QUORUM, which assignment does not use). */
  mergeRules: MergeRules;
  /** Webhook deliveries: timeouts, retries, the relay's period, the SSRF guard. */
  webhooks: WebhookSettings;
}

export const workerSettingsOf = (config: WorkerConfig): WorkerSettings => ({
  prefix: queuePrefixOf(config),
  concurrency: config.WORKER_CONCURRENCY,
  reconcileEveryMs: config.RECONCILE_EVERY_MS,
  lockDurationMs: config.WORKER_LOCK_DURATION_MS,
  chunkMaxAttempts: config.CHUNK_MAX_ATTEMPTS,
  sweepEveryMs: config.DESTINATION_SWEEP_EVERY_MS,
  deleteAfterDays: config.DESTINATION_DELETE_AFTER_DAYS,
  retentionDays: config.JOB_RETENTION_DAYS === 'off' ? null : config.JOB_RETENTION_DAYS,
  retentionEveryMs: config.JOB_RETENTION_EVERY_MS,
  retentionBatchSize: config.JOB_RETENTION_BATCH_SIZE,
  mergeRules: { maxPostponed: config.MAX_POSTPONED_MERGE_REQUESTS, quorum: config.MERGE_QUORUM },
  webhooks: {
    allowPrivate: config.WEBHOOK_ALLOW_PRIVATE,
    timeoutMs: config.WEBHOOK_TIMEOUT_MS,
    retry: { maxAttempts: config.WEBHOOK_MAX_ATTEMPTS, baseDelayMs: config.WEBHOOK_RETRY_BASE_MS },
    relayEveryMs: config.WEBHOOK_RELAY_EVERY_MS,
    concurrency: config.WEBHOOK_CONCURRENCY,
  },
});

export interface WorkerDeps extends WorkerSettings {
  orm: MikroORM;
  /** Owned by the caller: BullMQ does not close connections it is given. */
  connection: RedisConnection;
  logger: Logger;
  handlers: HandlerRegistry;
  /** The sweep's clock; tests pass their own instead of waiting. */
  now: () => Date;
  /** Where the worker counts its chunks and reconciler runs; a registry of its own when not given. */
  metrics?: WorkerMetrics;
  /** BullMQ's OpenTelemetry hooks, while tracing is on: a chunk's span joins the trace that enqueued it. */
  telemetry?: Telemetry;
}

/** 'handed-back': chunks were still running at the deadline; their connections must not be awaited. */
export type CloseOutcome = 'finished' | 'handed-back';

export interface RunningWorker {
  tasksQueue: Queue;
  metrics: WorkerMetrics;
  reconcileNow(): Promise<number>;
  /** One deletion sweep now: the id of the job it submitted, or null when nothing was due. */
  sweepNow(): Promise<string | null>;
  /** One retention pass now: what it deleted, or null when retention is off. */
  retentionNow(): Promise<RetentionResult | null>;
  /** One pass of the webhook relay now (new deliveries to the queue); the number published. */
  relayWebhooksNow(): Promise<number>;
  /** Stops fetching; resolves once running chunks finished or, past `deadlineMs`, were handed back. */
  close(deadlineMs: number): Promise<CloseOutcome>;
}

const reconcileSchedulerId = 'reconcile-unfinished-jobs';
const sweepSchedulerId = 'destination-deletion-sweep';
const sweepJobName = 'sweep-decommissioned-destinations';
const retentionSchedulerId = 'job-retention';
const retentionJobName = 'delete-expired-jobs';

const timeout = (ms: number): Promise<'timeout'> => new Promise((resolve) => setTimeout(() => resolve('timeout'), ms).unref());

export async function startWorker(deps: WorkerDeps): Promise<RunningWorker> {
  const { connection, prefix, logger } = deps;
  const traced = deps.telemetry ? { telemetry: deps.telemetry } : {};
  const tasksQueue = new Queue(queueNames.tasks, { connection, prefix, ...traced });
  const maintenanceQueue = new Queue(queueNames.maintenance, { connection, prefix, ...traced });
  const personDeactivation = new Queue(queueNames.personDeactivation, { connection, prefix, ...traced });
  const onQueueError = queueErrorListener(logger);
  for (const queue of [tasksQueue, maintenanceQueue, personDeactivation]) queue.on('error', onQueueError);
  const metrics = deps.metrics ?? workerMetrics(deps.orm);
  const chunkDeps = { orm: deps.orm, tasksQueue, handlers: deps.handlers, logger, metrics, maxAttempts: deps.chunkMaxAttempts, gate: new ChunkGate() };
  const rescues = new Set<Promise<void>>();
  const webhooks = webhookDelivery({ orm: deps.orm, connection, prefix, logger, metrics, now: deps.now, settings: deps.webhooks, ...traced });

  // The stalled checker marks active chunks on one pass and moves those still without a lock on the
  // next, and runs once per `stalledInterval` across all workers: checking as often as the lock lasts
  // redelivers a dead worker's chunk within about two lock durations of its death, not minutes later.
  const lockDuration = deps.lockDurationMs;
  // A chunk whose record kills its worker stalls again and again. BullMQ would fail it after
  // `maxStalledCount` stalls, but Redis forgets that count (the reconciler re-adds the chunk afresh),
  // so Postgres counts a chunk's starts instead (CHUNK_MAX_ATTEMPTS, engine/chunk-attempts.ts) and
  // splits it: BullMQ must never fail a stalled chunk before that, so its limit is out of reach.
  const maxStalledCount = 1_000_000;
  const tasksWorker = new Worker(queueNames.tasks, withFailurePolicy(processTaskChunk(chunkDeps)), {
    connection, prefix, autorun: false, concurrency: deps.concurrency, lockDuration, stalledInterval: lockDuration, maxStalledCount, ...traced,
  });
  tasksWorker.on('failed', (message: Job | undefined, error: Error) => {
    if (!message) return;
    const unrecoverable = error.name === 'UnrecoverableError';
    const lastAttempt = message.attemptsMade >= (message.opts.attempts ?? 1) || unrecoverable;
    logger.warn({ err: error, bullJobId: message.id, jobId: taskChunkPayload.safeParse(message.data).data?.jobId, attempt: message.attemptsMade, lastAttempt }, 'chunk failed');
    // Out of BullMQ's attempts, a chunk is left PENDING: the reconciler offers it again, and Postgres,
    // which counted each of its starts, splits it once they pass CHUNK_MAX_ATTEMPTS.
    if (!unrecoverable) return;
    const rescue = rescueTaskChunk(chunkDeps, message, error)
      .catch((err: unknown) => logger.error({ err, bullJobId: message.id }, 'could not rescue chunk; the reconciler will offer it again'))
      .finally(() => rescues.delete(rescue));
    rescues.add(rescue);
  });
  tasksWorker.on('error', (error) => logger.error({ err: error }, 'tasks worker error'));

  const reconcileNow = () => reconcile({ orm: deps.orm, tasksQueue, logger, metrics });
  const sweepNow = () => sweepDestinations({
    orm: deps.orm, tasksQueue, logger, now: deps.now, deleteAfterDays: deps.deleteAfterDays,
  });
  const retentionNow = () => runRetention({
    orm: deps.orm, logger, now: deps.now, retentionDays: deps.retentionDays, batchSize: deps.retentionBatchSize,
  });
  const maintenanceWorker = new Worker(queueNames.maintenance, withFailurePolicy(async (message: Job) => {
    if (message.name === reconcileJobName) {
      const chunks = await reconcileNow();
      // The outboxes ride on the reconcile schedule: both re-offer what Postgres says is not yet sent.
      await relayOutbox({ orm: deps.orm, personDeactivation, redis: connection, logger });
      await webhooks.republish();
      return chunks;
    }
    if (message.name === sweepJobName) return sweepNow();
    if (message.name === retentionJobName) return retentionNow();
    throw new Error(`unknown maintenance job ${message.name}`);
  }), { connection, prefix, autorun: false, concurrency: 1, ...traced });
  maintenanceWorker.on('error', (error) => logger.error({ err: error }, 'maintenance worker error'));

  // An assignment is one short transaction; the api waits on it, so it does not queue behind chunks.
  const assignmentWorker = new Worker(queueNames.mergeAssignments, withFailurePolicy(processMergeAssignment({
    orm: deps.orm, logger, rules: deps.mergeRules,
  })), { connection, prefix, autorun: false, concurrency: deps.concurrency, ...traced });
  assignmentWorker.on('error', (error) => logger.error({ err: error }, 'merge assignment worker error'));

  // Every worker upserts the same scheduler ids, so N workers still reconcile (and sweep) once per
  // period. The schedulers live in Redis too: if Redis loses them (flush, restart without
  // persistence), the next check re-creates them, and the reconcile that triggers re-offers
  // everything Postgres says is left.
  const schedulers = [
    { id: reconcileSchedulerId, every: deps.reconcileEveryMs, name: reconcileJobName },
    { id: sweepSchedulerId, every: deps.sweepEveryMs, name: sweepJobName },
    ...(deps.retentionDays === null ? [] : [{ id: retentionSchedulerId, every: deps.retentionEveryMs, name: retentionJobName }]),
  ];
  // Retention turned off: its schedule goes, so no worker left with the old setting picks it up.
  if (deps.retentionDays === null) await maintenanceQueue.removeJobScheduler(retentionSchedulerId);
  const ensureSchedulers = async () => {
    for (const { id, every, name } of schedulers) {
      if (await maintenanceQueue.getJobScheduler(id)) continue;
      await maintenanceQueue.upsertJobScheduler(id, { every }, { name, opts: { removeOnComplete: true, removeOnFail: 100 } });
    }
  };
  await ensureSchedulers();
  const schedulerCheck = setInterval(() => {
    ensureSchedulers().catch((err: unknown) => logger.warn({ err }, 'could not check the maintenance schedulers'));
  }, deps.reconcileEveryMs);
  schedulerCheck.unref();
  await reconcileNow();
  await relayOutbox({ orm: deps.orm, personDeactivation, redis: connection, logger });
  await webhooks.republish();
  const running = [tasksWorker.run(), maintenanceWorker.run(), assignmentWorker.run()];
  webhooks.run();
  logger.info({ concurrency: deps.concurrency, prefix }, 'worker running');

  let closing: Promise<CloseOutcome> | undefined;
  const close = (deadlineMs: number): Promise<CloseOutcome> => {
    closing ??= (async () => {
      clearInterval(schedulerCheck);
      const finished = Promise.all([tasksWorker.close(), maintenanceWorker.close(), assignmentWorker.close(), webhooks.close(), ...running]).then(() => Promise.allSettled([...rescues]));
      const outcome = (await Promise.race([finished.then(() => 'finished' as const), timeout(deadlineMs)])) === 'timeout' ? 'handed-back' : 'finished';
      if (outcome === 'handed-back') {
        // BullMQ cannot force a close once a graceful one has begun, so we stop waiting instead: the
        // process exits, the chunks' transactions roll back, their locks expire, and another worker
        // (or this one, restarted) runs them.
        logger.warn({ deadlineMs }, 'running chunks did not finish in time; handing them back');
      }
      await Promise.all([tasksQueue.close(), maintenanceQueue.close(), personDeactivation.close()]);
      return outcome;
    })();
    return closing;
  };
  return { tasksQueue, metrics, reconcileNow, sweepNow, retentionNow, relayWebhooksNow: webhooks.relayNew, close };
}
