/**
 * The worker's Prometheus metrics, on a registry of its own: tests run several workers (and apis)
 * in one process, and prom-client's global default registry would add their counts together.
 *
 * The hot path pays once per chunk, never per task: a chunk adds its outcome counts and one
 * duration. Lines per second is `rate(jabba_worker_tasks_total[1m])`; Prometheus computes rates
 * from counters, so the worker keeps no gauge of its own for it.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { ChunkReport } from '@jabba/domain/engine';
import { poolStats } from '@jabba/domain/platform';

/** Label of a chunk whose job was not found (deleted): job types are a bounded set, and so is this. */
const unknownJobType = 'unknown';

export interface WorkerMetrics {
  registry: Registry;
  /** One chunk's outcomes and how long it took, in seconds. */
  chunkDone(report: ChunkReport, seconds: number): void;
  /** One reconciler run and the chunks it re-offered. */
  reconciled(chunks: number): void;
  /** One webhook attempt's outcome (delivered, retry, failed, gone; a duplicate message is skipped). */
  webhookAttempt(outcome: string): void;
}

/** `orm`'s pool is read at each scrape (plain fields, no query). */
export function workerMetrics(orm: MikroORM): WorkerMetrics {
  const registry = new Registry();
  const tasks = new Counter({
    name: 'jabba_worker_tasks_total',
    help: 'Tasks this worker ended, by job type and outcome (PROCESSED, FAILED, RESCUED); rate() of it is lines per second',
    labelNames: ['job_type', 'outcome'] as const,
    registers: [registry],
  });
  const chunkDuration = new Histogram({
    name: 'jabba_worker_chunk_duration_seconds',
    help: 'Time to run one chunk (its transaction included), by job type',
    labelNames: ['job_type'] as const,
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [registry],
  });
  const reconcileRuns = new Counter({ name: 'jabba_worker_reconcile_runs_total', help: 'Reconciler runs of this worker', registers: [registry] });
  const reenqueued = new Counter({
    name: 'jabba_worker_chunks_reenqueued_total', help: 'Chunks the reconciler re-offered to the queue (already queued ones are no-ops in Redis)', registers: [registry],
  });
  const webhookDeliveries = new Counter({
    name: 'jabba_webhook_deliveries_total',
    help: 'Webhook delivery attempts of this worker, by outcome (delivered, retry, failed, gone, skipped)',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const gauge = (name: string, help: string, read: () => number) =>
    new Gauge({ name, help, registers: [registry], collect() { this.set(read()); } });
  gauge('jabba_worker_db_pool_in_use', 'Postgres connections lent out', () => poolStats(orm).inUse);
  gauge('jabba_worker_db_pool_idle', 'Postgres connections idle in the pool', () => poolStats(orm).idle);
  gauge('jabba_worker_db_pool_waiting', 'Callers waiting for a Postgres connection', () => poolStats(orm).waiting);
  return {
    registry,
    chunkDone(report, seconds) {
      const jobType = report.jobType ?? unknownJobType;
      chunkDuration.observe({ job_type: jobType }, seconds);
      for (const [outcome, count] of Object.entries(report.outcomes)) {
        if (count > 0) tasks.inc({ job_type: jobType, outcome }, count);
      }
    },
    reconciled(chunks) {
      reconcileRuns.inc();
      if (chunks > 0) reenqueued.inc(chunks);
    },
    webhookAttempt(outcome) {
      webhookDeliveries.inc({ outcome });
    },
  };
}
