/**
 * The compose `monitoring` profile, checked by reading it (no Docker engine runs the suite): its
 * services, their pinned images and mounted files, Prometheus' targets against the compose services
 * and ports, the METRICS_TOKEN hand-over, and every metric the Grafana dashboard queries against
 * what the api's and a worker's registries really expose, scraped in-process.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startTestWorker, type TestWorker } from '#test/worker';
import { createTestApi, type TestApi } from '../support';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const readYaml = (path: string): unknown => parse(readFileSync(`${root}${path}`, 'utf8'), { merge: true });
const metricsToken = 'metrics-token-of-the-monitoring-test-0123456789';

interface Service {
  image?: string; profiles?: string[]; ports?: string[]; volumes?: string[]; secrets?: string[];
  environment?: Record<string, string>; command?: string[];
}
interface Compose { services: Record<string, Service>; secrets?: Record<string, { environment?: string; file?: string }> }
interface ScrapeConfig {
  job_name: string; metrics_path?: string; authorization?: { type?: string; credentials_file?: string };
  static_configs?: { targets: string[] }[]; dns_sd_configs?: { names: string[]; type: string; port: number }[];
}
interface Dashboard { panels: { title: string; datasource: { uid: string }; targets: { expr: string }[] }[] }

const compose = readYaml('docker-compose.yml') as Compose;
const prometheus = readYaml('deploy/prometheus/prometheus.yml') as { scrape_configs: ScrapeConfig[] };
const dashboard = JSON.parse(readFileSync(`${root}deploy/grafana/dashboards/jabba.json`, 'utf8')) as Dashboard;
const service = (name: string): Service => {
  const found = compose.services[name];
  if (!found) throw new Error(`docker-compose.yml has no service ${name}`);
  return found;
};
const scrapeJob = (name: string): ScrapeConfig => {
  const found = prometheus.scrape_configs.find((job) => job.job_name === name);
  if (!found) throw new Error(`prometheus.yml has no scrape job ${name}`);
  return found;
};
/** Bind mounts as `{host, container}`; named volumes have no `./`. */
const bindMounts = (of: Service) => (of.volumes ?? []).filter((v) => v.startsWith('./')).map((v) => {
  const [host = '', container = ''] = v.split(':');
  return { host: host.slice(2), container };
});

/** Metric names a text exposition declares, with the series names a histogram adds. */
function exposedNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const [, name, kind] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(name!);
    if (kind === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${name!}${suffix}`);
  }
  return names;
}

describe('the compose monitoring profile', () => {
  it('adds Prometheus and Grafana under the profile only, every image pinned to a version tag', () => {
    const profiled = Object.entries(compose.services).filter(([, s]) => s.profiles?.includes('monitoring')).map(([name]) => name);
    expect(profiled.sort()).toEqual(['grafana', 'prometheus']);
    for (const name of ['postgres', 'redis', 'migrate', 'api', 'worker']) expect(service(name).profiles, name).toBeUndefined();
    for (const [name, s] of Object.entries(compose.services)) {
      if (s.image === 'jabba:local') continue;
      expect(s.image, name).toMatch(/^[\w./-]+:v?\d+(\.\d+)*$/);
    }
    expect(service('prometheus').ports).toEqual(['127.0.0.1:${JABBA_PROMETHEUS_PORT:-9090}:9090']);
    expect(service('grafana').ports).toEqual(['127.0.0.1:${JABBA_GRAFANA_PORT:-3001}:3000']);
  });

  it('mounts files and folders that exist in the repository', () => {
    const mounts = [...bindMounts(service('prometheus')), ...bindMounts(service('grafana'))];
    expect(mounts.map((m) => m.host).sort()).toEqual(['deploy/grafana/dashboards', 'deploy/grafana/provisioning', 'deploy/prometheus/prometheus.yml']);
    for (const { host } of mounts) expect(existsSync(`${root}${host}`), host).toBe(true);
    expect(existsSync(`${root}deploy/grafana/provisioning/datasources/prometheus.yml`)).toBe(true);
    expect(existsSync(`${root}deploy/grafana/provisioning/dashboards/jabba.yml`)).toBe(true);
  });

  it('scrapes the api service on its port with METRICS_TOKEN as the bearer token, from the compose secret', () => {
    const api = scrapeJob('jabba-api');
    expect(api.static_configs).toEqual([{ targets: ['api:3000'] }]);
    expect(service('api').ports).toEqual(['127.0.0.1:${JABBA_API_PORT:-3000}:3000']);
    expect(service('api').environment).toMatchObject({ METRICS_TOKEN: '${METRICS_TOKEN:-}', AUTH_JWT_SECRET: expect.stringMatching(/^\$\{AUTH_JWT_SECRET:\?/) as unknown });
    expect(service('api').environment?.PORT).toBeUndefined(); // the api's default, 3000
    expect(api.authorization).toEqual({ type: 'Bearer', credentials_file: '/run/secrets/metrics_token' });
    expect(service('prometheus').secrets).toEqual(['metrics_token']);
    expect(compose.secrets).toEqual({ metrics_token: { environment: 'METRICS_TOKEN' } });
  });

  it('scrapes every worker replica on WORKER_METRICS_PORT, which the workers bind beyond loopback', () => {
    const worker = service('worker');
    expect(worker.environment).toMatchObject({ WORKER_METRICS_HOST: '0.0.0.0', AUTH_JWT_SECRET: service('api').environment?.AUTH_JWT_SECRET });
    expect(scrapeJob('jabba-worker').dns_sd_configs).toEqual([
      expect.objectContaining({ names: ['worker'], type: 'A', port: Number(worker.environment?.WORKER_METRICS_PORT) }),
    ]);
    expect(prometheus.scrape_configs.map((job) => job.job_name).sort()).toEqual(['jabba-api', 'jabba-worker']);
  });

  it('points Grafana at the compose Prometheus, and the dashboard at that datasource', () => {
    const datasources = readYaml('deploy/grafana/provisioning/datasources/prometheus.yml') as { datasources: { uid: string; url: string }[] };
    expect(datasources.datasources).toEqual([expect.objectContaining({ uid: 'prometheus', url: 'http://prometheus:9090' })]);
    const providers = readYaml('deploy/grafana/provisioning/dashboards/jabba.yml') as { providers: { options: { path: string } }[] };
    const dashboardsMount = bindMounts(service('grafana')).find((m) => m.host === 'deploy/grafana/dashboards');
    expect(providers.providers.map((p) => p.options.path)).toEqual([dashboardsMount?.container]);
    for (const panel of dashboard.panels) expect(panel.datasource.uid, panel.title).toBe('prometheus');
  });
});

describe('the Grafana dashboard against the metrics the processes expose', () => {
  let api: TestApi;
  let worker: TestWorker;

  beforeAll(async () => {
    api = await createTestApi({ env: { METRICS_TOKEN: metricsToken } });
    worker = await startTestWorker(api);
  });

  afterAll(async () => {
    await worker.close();
    await api.close();
  });

  it('queries only metrics the api or a worker exposes, and has a panel for each the issue names', async () => {
    const scraped = await api.app.request('/metrics', { headers: { Authorization: `Bearer ${metricsToken}` } });
    expect(scraped.status).toBe(200);
    const exposed = new Set([...exposedNames(await scraped.text()), ...exposedNames(await worker.worker.metrics.registry.metrics())]);
    const used = dashboard.panels.flatMap((panel) => panel.targets.flatMap((target) =>
      [...target.expr.matchAll(/\b(jabba_\w+)/g)].map((m) => ({ panel: panel.title, metric: m[1]! }))));
    expect(used.filter((u) => !exposed.has(u.metric))).toEqual([]);
    for (const panel of dashboard.panels) expect(panel.targets.length, panel.title).toBeGreaterThan(0);
    const queried = new Set(used.map((u) => u.metric));
    for (const wanted of [
      'jabba_api_http_request_duration_seconds_count', 'jabba_api_http_request_duration_seconds_bucket', 'jabba_api_uploads_in_flight',
      'jabba_api_db_pool_in_use', 'jabba_api_db_pool_waiting', 'jabba_worker_db_pool_in_use', 'jabba_worker_tasks_total',
      'jabba_worker_chunk_duration_seconds_bucket', 'jabba_queue_jobs', 'jabba_jobs', 'jabba_worker_reconcile_runs_total',
      'jabba_worker_chunks_reenqueued_total',
    ]) expect(queried.has(wanted), wanted).toBe(true);
    expect(dashboard.panels.map((p) => p.title)).toContain('Lines per second');
  });
});
