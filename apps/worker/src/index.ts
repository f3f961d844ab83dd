/**
 * The worker's public entry, for what runs a worker in-process: the benchmarks and the tests of
 * other workspaces. `main.ts` is what operators run.
 */
export { loadConfig, type WorkerConfig } from './config';
export { createHandlers } from './registry';
export { startWorker, workerSettingsOf, type CloseOutcome, type RunningWorker, type WorkerDeps, type WorkerSettings } from './worker';
export { workerMetrics, type WorkerMetrics } from './metrics';
export { startMetricsServer, type MetricsServer, type MetricsServerDeps } from './metrics-server';
