/**
 * The worker's own small HTTP server (WORKER_METRICS_PORT): `/metrics` for Prometheus, `/health`
 * (the process answers) and `/ready` (Postgres and Redis answer) for orchestrators. It binds
 * 127.0.0.1 unless WORKER_METRICS_HOST says otherwise: what it shows is operational, not for the
 * internet. It reads nothing from a request but its method and path.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MikroORM } from '@mikro-orm/postgresql';
import { sqlOf, type RedisConnection } from '@jabba/domain/platform';
import type { WorkerMetrics } from './metrics';

export interface MetricsServerDeps {
  metrics: WorkerMetrics;
  orm: MikroORM;
  redis: RedisConnection;
  host: string;
  /** 0 lets the OS pick a free port (tests); `port` of the result is the one bound. */
  port: number;
}

export interface MetricsServer {
  port: number;
  close(): Promise<void>;
}

/** A dependency slower than this is as good as down for a probe, which must answer before the orchestrator's timeout. */
const readinessTimeoutMs = 1000;

async function answers(run: () => Promise<unknown>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<false>((resolve) => { timer = setTimeout(() => resolve(false), readinessTimeoutMs); });
  try {
    // A check that loses the race keeps running; its late rejection is caught here all the same.
    return await Promise.race([run().then(() => true, () => false), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

const send = (res: ServerResponse, status: number, contentType: string, body: string) => {
  res.writeHead(status, { 'Content-Type': contentType, 'Cache-Control': 'no-store' }).end(body);
};
const json = (res: ServerResponse, status: number, body: unknown) => send(res, status, 'application/json', JSON.stringify(body));

export async function startMetricsServer(deps: MetricsServerDeps): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    // Nothing here reads a body: a client that sends one is answered and its socket closed after.
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET') return json(res, 405, { error: 'only GET' });
    if (path === '/health') return json(res, 200, { status: 'ok' });
    if (path === '/ready') {
      void Promise.all([answers(() => sqlOf(deps.orm.em).query('select 1')), answers(() => deps.redis.ping())]).then(([postgres, redis]) => {
        const checks = { postgres: postgres ? 'ok' : 'failed', redis: redis ? 'ok' : 'failed' };
        json(res, postgres && redis ? 200 : 503, { status: postgres && redis ? 'ready' : 'not ready', ...checks });
      });
      return;
    }
    if (path === '/metrics') {
      deps.metrics.registry.metrics().then(
        (text) => send(res, 200, deps.metrics.registry.contentType, text),
        () => json(res, 500, { error: 'metrics could not be collected' }),
      );
      return;
    }
    json(res, 404, { error: 'not found' });
  });
  // A scrape or probe is one short request: a client that never finishes sending is dropped.
  server.requestTimeout = 5_000;
  server.headersTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(deps.port, deps.host, () => { server.off('error', reject); resolve(); });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve, reject) => {
      server.close((error) => (error ? reject(error) : resolve()));
      server.closeIdleConnections();
    }),
  };
}
