/**
 * The api process: config → logger → Postgres → Redis → HTTP server, and the reverse on SIGTERM.
 */
import { once } from 'node:events';
import { setTimeout } from 'node:timers/promises';
import { serve, type ServerType } from '@hono/node-server';
import { Queue, QueueEvents } from 'bullmq';
import { configOrExit, connectRedis, createLogger, createOrm, installShutdown, queuePrefixOf } from '@jabba/domain/platform';
import { queueErrorListener, queueNames } from '@jabba/domain/engine';
import { webhookDeliveriesQueue } from '@jabba/domain/webhooks';
import { createApp } from './app';
import { loadConfig } from './config';
import { apiOrmConfig } from './platform/database';
import { jobEventHub } from './jobs/event-stream';


/**
 * Stops accepting connections and resolves once in-flight requests have been answered. Node ≥ 19
 * closes idle keep-alive sockets on close(); a busy one closes after its response, and the
 * shutdown deadline bounds a request that never finishes.
 */
const closeServer = (server: ServerType): Promise<void> =>
  new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
  });

async function main(): Promise<void> {
  const config = configOrExit('api', loadConfig);
  // Before anything connects, so the first query is traced; unset, no OpenTelemetry code is loaded.
  const tracing = config.OTEL_EXPORTER_OTLP_ENDPOINT === undefined
    ? null
    : (await import('@jabba/domain/tracing')).startTracing({ serviceName: config.OTEL_SERVICE_NAME, endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT });
  const traceRequests = tracing ? (await import('./platform/request-tracing')).traceRequests() : undefined;
  const logger = createLogger(config.LOG_LEVEL, 'api', config.LOG_FORMAT);
  if (config.usingDevelopmentSecret) {
    logger.warn('AUTH_JWT_SECRET is the public development secret (unset or set to it): anyone can forge tokens');
  }

  const orm = await createOrm(apiOrmConfig(config, (message) => logger.info({ component: 'orm' }, message)));
  // The api only adds messages (and PINGs for /ready): while Redis is away its commands fail at once
  // instead of queueing until Redis is back, so a request is refused with 503 and never hangs
  // (assertQueueAnswers), and one caught in flight by a dying Redis fails after one retry.
  // ioredis reconnects by itself; nothing here needs a restart. A single Redis or a cluster.
  const onRedisError = (error: Error) => logger.warn({ err: error }, 'redis connection error');
  const redis = connectRedis(config, onRedisError, { failFast: true });
  const prefix = queuePrefixOf(config);

  // With tracing, a message carries the trace it was added in, and the worker's span joins it.
  const queueOptions = { connection: redis, prefix, ...(tracing ? { telemetry: tracing.bullmq } : {}) };
  const tasksQueue = new Queue(queueNames.tasks, queueOptions);
  const personDeactivation = new Queue(queueNames.personDeactivation, queueOptions);
  const mergeAssignments = new Queue(queueNames.mergeAssignments, queueOptions);
  // QueueEvents blocks on Redis, so it waits out an outage rather than failing fast: it gets a
  // connection of the blocking kind, which BullMQ duplicates and closes; we close ours.
  const eventsConnection = connectRedis(config, onRedisError);
  const mergeAssignmentEvents = new QueueEvents(queueNames.mergeAssignments, { connection: eventsConnection, prefix });
  mergeAssignmentEvents.on('error', (error) => logger.warn({ err: error }, 'merge assignment events error'));
  const maintenanceQueue = new Queue(queueNames.maintenance, queueOptions);
  const webhookDeliveries = new Queue(webhookDeliveriesQueue, queueOptions);
  const onQueueError = queueErrorListener(logger);
  for (const queue of [tasksQueue, personDeactivation, mergeAssignments, maintenanceQueue, webhookDeliveries]) queue.on('error', onQueueError);
  const jobEvents = jobEventHub({ orm, logger, maxStreams: config.SSE_MAX_STREAMS });
  const app = createApp({ config, orm, redis, tasksQueue, personDeactivation, mergeAssignments, mergeAssignmentEvents, maintenanceQueue, webhookDeliveries, jobEvents, logger, ...(traceRequests ? { traceRequests } : {}) });
  // A fail-fast connection refuses commands until it is up, so /ready would say 503 for the first
  // instants of a healthy start: give Redis a moment before listening, but start without it (the
  // api then refuses work with 503 until it comes, which /ready reports).
  if (redis.status !== 'ready') await Promise.race([once(redis, 'ready'), setTimeout(5000)]);
  const server = serve({ fetch: app.fetch, port: config.PORT, serverOptions: config.http }, (info) => {
    logger.info({ port: info.port }, `api listening on http://127.0.0.1:${info.port}`);
  });
  // listen() reports EADDRINUSE and friends as an event, not a throw; without this it would crash
  // the process with a stack trace instead of one line.
  server.once('error', (error) => {
    process.stderr.write(`jabba api: cannot listen on port ${config.PORT}. ${error.message}\n`);
    process.exit(1);
  });

  installShutdown({
    logger,
    timeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    steps: () => [
      // Open event streams never end on their own: ended first, they cannot hold the server open.
      { name: 'event streams', run: async () => jobEvents.close() },
      { name: 'http server', run: () => closeServer(server) },
      { name: 'task queue', run: () => tasksQueue.close() },
      { name: 'maintenance queue', run: () => maintenanceQueue.close() },
      { name: 'webhook queue', run: () => webhookDeliveries.close() },
      { name: 'person-deactivation queue', run: () => personDeactivation.close() },
      { name: 'merge assignment queue', run: () => Promise.all([mergeAssignmentEvents.close(), mergeAssignments.close()]) },
      { name: 'postgres', run: () => orm.close() },
      { name: 'redis', run: () => Promise.all([redis.quit(), eventsConnection.quit()]) },
      // Last: the spans of the steps above are exported too.
      ...(tracing ? [{ name: 'tracing', run: () => tracing.stop() }] : []),
    ],
  });
}

main().catch((error: unknown) => {
  // Startup failed after config (Postgres refused, port taken): one line on stderr, exit 1.
  process.stderr.write(`jabba api: cannot start. ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
