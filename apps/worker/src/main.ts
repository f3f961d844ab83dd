import { Redis } from 'ioredis';
import { configOrExit, createLogger, createOrm, installShutdown } from '@jabba/domain/platform';
import { loadConfig } from './config';
import { workerMetrics } from './metrics';
import { startMetricsServer, type MetricsServer } from './metrics-server';
import { createHandlers } from './registry';
import { startWorker, workerSettingsOf, type CloseOutcome, type RunningWorker } from './worker';


const config = configOrExit('worker', loadConfig);
// Before anything connects, so the first query is traced; unset, no OpenTelemetry code is loaded.
const tracing = config.OTEL_EXPORTER_OTLP_ENDPOINT === undefined
  ? null
  : (await import('@jabba/domain/tracing')).startTracing({ serviceName: config.OTEL_SERVICE_NAME, endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT });
const logger = createLogger(config.LOG_LEVEL, 'worker', config.LOG_FORMAT);
// Chunks and merge assignments each run up to WORKER_CONCURRENCY transactions at once, one
// connection each; two more for the reconciler and the sweep.
const orm = await createOrm({ databaseUrl: config.DATABASE_URL, poolSize: 2 * config.WORKER_CONCURRENCY + 2 });
const pending = await orm.getMigrator().getPendingMigrations();
if (pending.length > 0) {
  logger.fatal({ pending: pending.map((m) => m.name) }, 'the database is not migrated: run `npm run migrate` first');
  await orm.close(true);
  process.exit(1);
}
// BullMQ workers block on Redis: they need maxRetriesPerRequest null. We own it, so we close it.
const connection = new Redis(config.REDIS_URL, { maxRetriesPerRequest: null });
// Without a listener ioredis prints every reconnect failure as an "Unhandled error event" with its stack.
connection.on('error', (error) => logger.warn({ err: error }, 'redis connection error'));
const now = () => new Date();
const metrics = workerMetrics(orm);
// Up before the worker starts, so an orchestrator sees the process alive (and not yet ready) during start.
const metricsServer: MetricsServer | null = config.WORKER_METRICS_PORT === undefined
  ? null
  : await startMetricsServer({ metrics, orm, redis: connection, host: config.WORKER_METRICS_HOST, port: config.WORKER_METRICS_PORT }).catch((error: unknown) => {
    logger.fatal({ err: error, port: config.WORKER_METRICS_PORT }, 'cannot listen for metrics');
    process.exit(1);
  });
if (metricsServer) logger.info({ port: metricsServer.port }, `worker metrics on http://${config.WORKER_METRICS_HOST}:${metricsServer.port}/metrics`);

// Signals are handled from here on, before the worker starts and says it is running: a SIGTERM
// during start waits for the start to finish, then stops the worker as it would any other time.
let outcome: CloseOutcome = 'finished';
installShutdown({
  logger,
  // Leave a margin inside the deadline for closing connections after handing work back.
  timeoutMs: config.SHUTDOWN_TIMEOUT_MS + 5_000,
  steps: () => [
    {
      name: 'stop taking work, finish or hand back running chunks',
      run: async () => {
        const worker = await starting;
        if (worker) outcome = await worker.close(config.SHUTDOWN_TIMEOUT_MS);
      },
    },
    { name: 'close the metrics server', run: () => metricsServer?.close() ?? Promise.resolve() },
    // A handed-back chunk still holds its connection, inside its transaction: closing the pool would
    // wait for it, while exiting drops it and rolls the chunk back, which is the point.
    { name: 'close postgres', run: () => (outcome === 'finished' ? orm.close() : Promise.resolve()) },
    { name: 'close redis', run: () => connection.quit() },
    // Last: the spans of the chunks that just finished are exported too.
    ...(tracing ? [{ name: 'flush traces', run: () => tracing.stop() }] : []),
  ],
});

// Assigned in the same tick as the handlers above, so no signal can find it unset.
const starting: Promise<RunningWorker | null> = startWorker({ ...workerSettingsOf(config), orm, connection, logger, handlers: createHandlers(config, now), now, metrics, ...(tracing ? { telemetry: tracing.bullmq } : {}) }).catch((error: unknown) => {
  logger.fatal({ err: error }, 'the worker could not start');
  process.exit(1);
});
await starting;
