/**
 * A real worker for api tests that need the queue round trip: started in-process on the test api's
 * database and BullMQ prefix, so it runs exactly the jobs that api submits, with the production
 * handlers. It gets a Redis connection of its own (BullMQ blocks on it), which close() ends.
 *
 *   let workers: TestWorker;
 *   beforeAll(async () => { api = await createTestApi(); workers = await startTestWorker(api); });
 *   afterAll(async () => { await workers.close(); await api.close(); });
 */
import type { MikroORM } from '@mikro-orm/postgresql';
import { createLogger } from '@jabba/domain/platform';
import { createHandlers, loadConfig, startMetricsServer, startWorker, workerMetrics, workerSettingsOf, type MetricsServer, type RunningWorker, type WorkerDeps } from '@jabba/worker';
import { connectRedis } from './redis';

/** What the worker shares with the api under test: its database and its BullMQ prefix. */
export interface WorkerTarget {
  orm: MikroORM;
  prefix: string;
}

export interface TestWorker {
  worker: RunningWorker;
  /** Starts the worker's /metrics, /health and /ready on 127.0.0.1 and a free port; close() stops it. */
  serveMetrics(): Promise<MetricsServer>;
  /** Stops the worker (running chunks get 5 s to finish) and quits its Redis connection. */
  close(): Promise<void>;
}

/** `options` override the defaults below, e.g. `{ concurrency: 1 }` or handlers of the test's own. */
export async function startTestWorker(api: WorkerTarget, options: Partial<WorkerDeps> = {}): Promise<TestWorker> {
  const connection = connectRedis();
  let worker: RunningWorker;
  try {
    // The worker's own defaults, as an unset environment gives them.
    const config = loadConfig({});
    const now = () => new Date();
    worker = await startWorker({
      ...workerSettingsOf(config), prefix: api.prefix, concurrency: 2,
      orm: api.orm, connection, logger: createLogger('silent', 'test'), handlers: createHandlers(config, now), now,
      ...options,
    });
  } catch (error) {
    // No afterAll can reach a connection whose worker never started.
    await connection.quit();
    throw error;
  }
  let metricsServer: MetricsServer | undefined;
  return {
    worker,
    async serveMetrics() {
      metricsServer ??= await startMetricsServer({ metrics: worker.metrics, orm: api.orm, redis: connection, host: '127.0.0.1', port: 0 });
      return metricsServer;
    },
    async close() {
      await metricsServer?.close();
      await worker.close(5_000);
      await connection.quit();
    },
  };
}

/**
 * The worker's own parse of an environment, for api tests that check how the worker is deployed
 * (the apps may not import each other; a test support module may).
 */
export { loadConfig as loadWorkerConfig } from '@jabba/worker';

/**
 * The worker's /metrics, /health and /ready server on 127.0.0.1 and a free port, with no Postgres
 * or Redis behind it (so /ready answers 503): what a probe of a deploy manifest would reach.
 */
export function serveWorkerProbesAlone(): Promise<MetricsServer> {
  const orm = {} as MikroORM;
  const redis = { ping: () => Promise.reject(new Error('no Redis behind these probes')) } as unknown as WorkerDeps['connection'];
  return startMetricsServer({ metrics: workerMetrics(orm), orm, redis, host: '127.0.0.1', port: 0 });
}
