/**
 * The api's Prometheus metrics, on a registry of its own per app: tests build several apps in one
 * process, and prom-client's global default registry would mix their counts.
 *
 * What a scrape reads is bounded: the pool and the upload slots are plain fields; the queue depths
 * (BullMQ's getJobCounts, a few Redis calls per queue) and the jobs by status (one grouped count over
 * `jobs`) are cached, so scrapes however frequent reach Redis and Postgres at most once per period,
 * and a failing read keeps the last values rather than failing the scrape.
 */
import { Gauge, Histogram, Registry } from 'prom-client';
import type { Queue } from 'bullmq';
import { poolStats, sqlOf } from '@jabba/domain/platform';
import type { ApiDeps } from './deps';
import type { UploadSlots } from './upload-slots';

/** How long queue depths and jobs by status are reused between scrapes. */
export const queueDepthCacheMs = 5_000;
export const jobsByStatusCacheMs = 15_000;

/** BullMQ's states, as getJobCounts names them. */
const queueStates = ['wait', 'active', 'delayed', 'prioritized', 'waiting-children', 'failed', 'completed'] as const;

export interface ApiMetrics {
  registry: Registry;
  httpDuration: Histogram<'method' | 'route' | 'status'>;
}

/** One load shared by every scrape within `ttlMs`; a failed load is retried by the next scrape. */
function cached<T>(ttlMs: number, load: () => Promise<T>): () => Promise<T> {
  let last: { at: number; value: Promise<T> } | undefined;
  return () => {
    if (!last || Date.now() - last.at >= ttlMs) {
      const value = load();
      const entry = { at: Date.now(), value };
      last = entry;
      // Forgotten only if no newer load replaced it meanwhile.
      value.catch(() => { if (last === entry) last = undefined; });
    }
    return last.value;
  };
}

export function apiMetrics(deps: Pick<ApiDeps, 'orm' | 'tasksQueue' | 'maintenanceQueue' | 'mergeAssignments' | 'personDeactivation' | 'webhookDeliveries'>, slots: UploadSlots): ApiMetrics {
  const registry = new Registry();
  const httpDuration = new Histogram({
    name: 'jabba_api_http_request_duration_seconds',
    help: 'Time to answer a request, by method, route pattern (never the raw path) and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 120],
    registers: [registry],
  });
  new Gauge({ name: 'jabba_api_uploads_in_flight', help: 'Uploads this process is receiving now', registers: [registry], collect() { this.set(slots.inFlight()); } });
  const pool = (name: string, help: string, read: (s: ReturnType<typeof poolStats>) => number) =>
    new Gauge({ name, help, registers: [registry], collect() { this.set(read(poolStats(deps.orm))); } });
  pool('jabba_api_db_pool_in_use', 'Postgres connections lent out', (s) => s.inUse);
  pool('jabba_api_db_pool_idle', 'Postgres connections idle in the pool', (s) => s.idle);
  pool('jabba_api_db_pool_waiting', 'Callers waiting for a Postgres connection', (s) => s.waiting);

  const queues: Queue[] = [deps.tasksQueue, deps.maintenanceQueue, deps.mergeAssignments, deps.personDeactivation, deps.webhookDeliveries];
  const depths = cached(queueDepthCacheMs, () => Promise.all(queues.map(async (q) => ({ queue: q.name, counts: await q.getJobCounts(...queueStates) }))));
  new Gauge({
    name: 'jabba_queue_jobs', help: `BullMQ messages by queue and state (cached ${queueDepthCacheMs / 1000} s)`, labelNames: ['queue', 'state'] as const, registers: [registry],
    async collect() {
      const read = await depths().catch(() => null);
      for (const { queue, counts } of read ?? []) {
        for (const state of queueStates) this.set({ queue, state }, counts[state] ?? 0);
      }
    },
  });

  const byStatus = cached(jobsByStatusCacheMs, () =>
    sqlOf(deps.orm.em).query<{ status: string; count: number }>('select status, count(*)::int as count from jobs group by status'));
  new Gauge({
    name: 'jabba_jobs', help: `Jabba jobs by status, all clients (one grouped count, cached ${jobsByStatusCacheMs / 1000} s)`, labelNames: ['status'] as const, registers: [registry],
    async collect() {
      const rows = await byStatus().catch(() => null);
      if (!rows) return;
      this.reset();
      for (const { status, count } of rows) this.set({ status }, count);
    },
  });
  return { registry, httpDuration };
}
