/**
 * Webhook deliveries in the worker: a BullMQ worker sending one delivery per message, and the relay
 * that moves deliveries from Postgres (where the trigger on `jobs` writes them) to the queue: new
 * ones every WEBHOOK_RELAY_EVERY_MS, and every one still PENDING with each reconcile, which is what
 * brings back the deliveries a Redis loss took. A failed attempt is thrown back to BullMQ, which
 * waits its exponential backoff before the next.
 */
import { Queue, Worker, type Job, type Telemetry } from 'bullmq';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { Logger, RedisConnection } from '@jabba/domain/platform';
import {
  attemptDelivery, relayNewDeliveries, republishPendingDeliveries, webhookDeliveriesQueue, webhookDeliveryPayload, type RetryPolicy,
} from '@jabba/domain/webhooks';
import { withFailurePolicy } from './failure-policy';
import type { WorkerMetrics } from './metrics';

export interface WebhookSettings {
  allowPrivate: boolean;
  timeoutMs: number;
  retry: RetryPolicy;
  relayEveryMs: number;
  concurrency: number;
}

export interface WebhookDeps {
  orm: MikroORM;
  connection: RedisConnection;
  prefix: string;
  logger: Logger;
  metrics: WorkerMetrics;
  now: () => Date;
  settings: WebhookSettings;
  /** While tracing is on, an attempt's span joins the trace of the relay pass that queued it. */
  telemetry?: Telemetry;
}

export interface WebhookDelivery {
  /** One pass of the relay of new deliveries; the number published. */
  relayNew(): Promise<number>;
  /** Every PENDING delivery offered to the queue again; the number offered. */
  republish(): Promise<number>;
  /** Starts fetching deliveries and relaying new ones. */
  run(): void;
  close(): Promise<void>;
}

export function webhookDelivery(deps: WebhookDeps): WebhookDelivery {
  const { connection, prefix, logger, settings } = deps;
  const traced = deps.telemetry ? { telemetry: deps.telemetry } : {};
  const queue = new Queue(webhookDeliveriesQueue, { connection, prefix, ...traced });
  queue.on('error', () => undefined); // The connection's own listener logs its errors (main.ts).
  const deliveryDeps = { now: deps.now, timeoutMs: settings.timeoutMs, allowPrivate: settings.allowPrivate, maxAttempts: settings.retry.maxAttempts };
  const worker = new Worker(webhookDeliveriesQueue, withFailurePolicy(async (message: Job) => {
    const { deliveryId } = webhookDeliveryPayload.parse(message.data);
    const { outcome, error } = await attemptDelivery({ ...deliveryDeps, em: deps.orm.em.fork() }, deliveryId);
    deps.metrics.webhookAttempt(outcome);
    if (outcome === 'retry') throw new Error(`webhook delivery ${deliveryId} failed: ${error ?? 'unknown'}`);
    if (outcome === 'failed' || outcome === 'gone') logger.warn({ deliveryId, outcome, error }, 'webhook delivery gave up');
    return outcome;
  }), { connection, prefix, autorun: false, concurrency: settings.concurrency, ...traced });
  worker.on('failed', (message: Job | undefined, error: Error) => {
    logger.info({ bullJobId: message?.id, attempt: message?.attemptsMade, err: error }, 'webhook attempt failed; retrying after backoff');
  });
  worker.on('error', (error) => logger.error({ err: error }, 'webhook worker error'));

  const relayNew = async (): Promise<number> => {
    let total = 0;
    for (;;) {
      const published = await relayNewDeliveries(deps.orm.em, queue, settings.retry);
      total += published;
      if (published === 0) return total;
    }
  };
  const republish = async (): Promise<number> => {
    const offered = await republishPendingDeliveries(deps.orm.em, queue, settings.retry);
    if (offered > 0) logger.info({ deliveries: offered }, 'webhook relay re-offered pending deliveries');
    return offered;
  };

  // The next pass is scheduled only once the last one ended, so passes never pile up.
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let passing: Promise<unknown> = Promise.resolve();
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      passing = relayNew()
        .catch((err: unknown) => logger.warn({ err }, 'webhook relay pass failed; the next one tries again'))
        .finally(schedule);
    }, settings.relayEveryMs);
    timer.unref();
  };

  let running: Promise<void> | undefined;
  return {
    relayNew,
    republish,
    run() {
      running = worker.run();
      schedule();
    },
    async close() {
      stopped = true;
      clearTimeout(timer);
      await passing;
      await worker.close();
      await running;
      await queue.close();
    },
  };
}
