/**
 * The Kubernetes manifests of deploy/k8s, checked by reading them (no cluster or KEDA runs the
 * suite): every variable they set is one the process's own config schema knows and accepts, each
 * probe reaches a route the process really serves, the grace periods outlast the shutdown
 * deadlines, KEDA watches BullMQ's real wait list, and the commands are the Dockerfile's and
 * package.json's. Nothing here touches Postgres or Redis.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { MikroORM } from '@mikro-orm/postgresql';
import { QueueKeys } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { queueNames } from '@jabba/domain/engine';
import { createLogger, queuePrefixOf, type RedisNode } from '@jabba/domain/platform';
import { loadWorkerConfig, serveWorkerProbesAlone } from '#test/worker';
import { createApp, type ApiDeps } from '../../src/app';
import { loadConfig as loadApiConfig } from '../../src/config';
import { appNodeArgs } from '../../../../scripts/lib/app-command';
import { readScriptEnv } from '../../../../scripts/lib/script-config';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const read = (path: string): string => readFileSync(`${root}${path}`, 'utf8');

interface EnvVar { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }
interface Probe { httpGet?: { path: string; port: string | number } }
interface Container {
  name: string; image: string; command: string[]; env?: EnvVar[]; ports?: { name: string; containerPort: number }[];
  resources?: { requests?: Record<string, string> };
  startupProbe?: Probe; livenessProbe?: Probe; readinessProbe?: Probe;
  lifecycle?: { preStop?: { exec?: { command: string[] } } };
}
interface PodSpec { terminationGracePeriodSeconds?: number; restartPolicy?: string; containers: Container[] }
interface Manifest {
  apiVersion: string; kind: string; metadata: { name: string; labels?: Record<string, string> };
  spec: Record<string, unknown> & { replicas?: number; selector?: unknown; template?: { metadata: { labels: Record<string, string> }; spec: PodSpec } };
}

const files = readdirSync(`${root}deploy/k8s`).filter((f) => f.endsWith('.yaml')).sort();
const manifests: { file: string; doc: Manifest }[] = files.flatMap((file) =>
  parseAllDocuments(read(`deploy/k8s/${file}`)).map((doc) => {
    if (doc.errors.length > 0) throw new Error(`deploy/k8s/${file}: ${doc.errors.map((e) => e.message).join('; ')}`);
    return { file, doc: doc.toJS() as Manifest };
  }));
const find = (kind: string, name: string): Manifest => {
  const found = manifests.find((m) => m.doc.kind === kind && m.doc.metadata.name === name);
  if (!found) throw new Error(`deploy/k8s has no ${kind} ${name}`);
  return found.doc;
};
const podOf = (m: Manifest): PodSpec => (m.kind === 'Job' ? (m.spec.template as { spec: PodSpec }).spec : m.spec.template!.spec);
const containerOf = (m: Manifest): Container => {
  const [only, ...more] = podOf(m).containers;
  if (!only || more.length > 0) throw new Error(`${m.kind} ${m.metadata.name} should run one container`);
  return only;
};

const api = find('Deployment', 'jabba-api');
const worker = find('Deployment', 'jabba-worker');
const migrate = find('Job', 'jabba-migrate');

// What a Secret would hold, by the variable it fills: any value of the right form will do.
const secretExamples: Record<string, string> = {
  DATABASE_URL: 'postgresql://jabba_app:secret@pgbouncer:6432/jabba',
  DATABASE_DIRECT_URL: 'postgresql://jabba:secret@postgres:5432/jabba',
  REDIS_URL: 'redis://redis:6379',
  AUTH_JWT_SECRET: '0f9d8c7b6a5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e',
  METRICS_TOKEN: 'a-metrics-token-of-at-least-32-characters',
};

/** The container's environment as the kubelet would give it, Secret references filled with examples. */
function environmentOf(container: Container): Record<string, string> {
  return Object.fromEntries((container.env ?? []).map((v) => {
    if (v.value !== undefined) return [v.name, v.value];
    const ref = v.valueFrom?.secretKeyRef;
    const example = secretExamples[v.name];
    if (!ref || example === undefined) throw new Error(`${container.name}: ${v.name} is neither a value nor a Secret reference this test knows`);
    expect(ref.name, v.name).toBe('jabba');
    return [v.name, example];
  }));
}

/** Names of `env` a schema dropped as unknown: zod objects keep only the keys they declare. */
const unknownNames = (env: Record<string, string>, parsed: object): string[] => Object.keys(env).filter((name) => !(name in parsed));

describe('the Kubernetes manifests', () => {
  it('parse, each document named, and run one image for every app, as the Dockerfile builds it', () => {
    expect(files).toEqual(['api.yaml', 'migrate.yaml', 'worker.yaml']);
    for (const { file, doc } of manifests) expect([doc.apiVersion, doc.kind, doc.metadata.name].every(Boolean), file).toBe(true);
    const images = new Set([api, worker, migrate].map((m) => containerOf(m).image));
    expect(images.size).toBe(1);
    expect([...images][0]).toMatch(/^[\w.-]+(:\d+)?\/[\w./-]+:[\w.-]+$/);
  });

  it('set only variables the process\'s own schema knows, with values it accepts', () => {
    const apiEnv = environmentOf(containerOf(api));
    const workerEnv = environmentOf(containerOf(worker));
    const migrateEnv = environmentOf(containerOf(migrate));
    // Each parse throws a ConfigError naming any value it refuses (NODE_ENV=production included).
    expect(unknownNames(apiEnv, loadApiConfig(apiEnv))).toEqual([]);
    expect(unknownNames(workerEnv, loadWorkerConfig(workerEnv))).toEqual([]);
    expect(unknownNames(migrateEnv, readScriptEnv(migrateEnv))).toEqual([]);
    for (const env of [apiEnv, workerEnv, migrateEnv]) expect(env.NODE_ENV).toBe('production');
    // One queue prefix for both, or the workers would never see the api's chunks.
    expect(loadApiConfig(apiEnv).QUEUE_PREFIX).toBe(loadWorkerConfig(workerEnv).QUEUE_PREFIX);
    // Migrations go to Postgres itself; the apps go through the pooler and need no direct URL.
    expect(Object.keys(migrateEnv).sort()).toEqual(['DATABASE_DIRECT_URL', 'NODE_ENV']);
    expect(apiEnv.DATABASE_DIRECT_URL).toBeUndefined();
    expect(workerEnv.DATABASE_DIRECT_URL).toBeUndefined();
  });

  it('run the commands of the Dockerfile, docker compose and package.json', () => {
    const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
    const compose = parse(read('docker-compose.yml'), { merge: true }) as { services: Record<string, { command: string[] }> };
    const dockerCmd = JSON.parse(/^CMD (\[.*\])$/m.exec(read('Dockerfile'))?.[1] ?? 'null') as string[];
    expect(containerOf(api).command).toEqual(['node', ...appNodeArgs('apps/api/src/main.ts')]);
    expect(containerOf(worker).command).toEqual(['node', ...appNodeArgs('apps/worker/src/main.ts')]);
    expect(containerOf(api).command).toEqual(dockerCmd);
    expect(containerOf(api).command).toEqual(compose.services.api?.command);
    expect(`exec ${containerOf(api).command.join(' ')}`).toBe(scripts['start:api']);
    expect(containerOf(worker).command).toEqual(compose.services.worker?.command);
    expect(`exec ${containerOf(worker).command.join(' ')}`).toBe(scripts['start:worker']);
    expect(containerOf(migrate).command).toEqual(compose.services.migrate?.command);
    expect(containerOf(migrate).command).toEqual(['npm', 'run', 'migrate']);
    expect(scripts.migrate).toBe('tsx scripts/migrate.ts');
    expect(podOf(migrate).restartPolicy).toBe('Never');
  });

  it('give every process a grace period past its own shutdown deadline', () => {
    const apiConfig = loadApiConfig(environmentOf(containerOf(api)));
    const workerConfig = loadWorkerConfig(environmentOf(containerOf(worker)));
    const [sleep, seconds] = containerOf(api).lifecycle?.preStop?.exec?.command ?? [];
    expect(sleep).toBe('sleep');
    // The api's deadline is SHUTDOWN_TIMEOUT_MS from SIGTERM, which comes after the preStop sleep.
    expect(podOf(api).terminationGracePeriodSeconds).toBeGreaterThan(Number(seconds) + apiConfig.SHUTDOWN_TIMEOUT_MS / 1000);
    // The worker's last deadline is SHUTDOWN_TIMEOUT_MS + 5 s (apps/worker/src/main.ts; fault 11).
    expect(podOf(worker).terminationGracePeriodSeconds).toBeGreaterThan(workerConfig.SHUTDOWN_TIMEOUT_MS / 1000 + 5);
  });
});

describe('the api Deployment, Service and HorizontalPodAutoscaler', () => {
  const deps = (): ApiDeps => {
    // Nothing is reached while routes are listed or /health answered; /ready finds both dependencies failing.
    const orm = { em: { fork: () => ({}) } } as unknown as MikroORM;
    const redis = { ping: () => Promise.reject(new Error('no Redis here')) };
    const none = {} as never;
    return {
      config: loadApiConfig(environmentOf(containerOf(api))), orm, redis: redis as unknown as ApiDeps['redis'], logger: createLogger('silent', 'test'),
      tasksQueue: none, personDeactivation: none, mergeAssignments: none, mergeAssignmentEvents: none, maintenanceQueue: none, webhookDeliveries: none, jobEvents: none,
    };
  };

  it('probes routes the api serves, on the port it listens on', async () => {
    const container = containerOf(api);
    const port = container.ports?.find((p) => p.name === 'http');
    expect(port?.containerPort).toBe(loadApiConfig(environmentOf(container)).PORT);
    expect([container.startupProbe, container.livenessProbe, container.readinessProbe].map((p) => p?.httpGet))
      .toEqual([{ path: '/health', port: 'http' }, { path: '/health', port: 'http' }, { path: '/ready', port: 'http' }]);
    const app = createApp(deps());
    const routes = new Set(app.routes.map((r) => `${r.method} ${r.path}`));
    // Exact routes, not the console's `GET /*`, which answers any other path.
    expect(routes.has('GET /health') && routes.has('GET /ready')).toBe(true);
    expect(await (await app.request('/health')).json()).toEqual({ status: 'ok' });
    const ready = await app.request('/ready');
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ type: expect.stringMatching(/\/not-ready$/) as unknown, checks: { postgres: 'failed', redis: 'failed' } });
  });

  it('is reached through a Service on that port, and scaled on CPU by an autoscaling/v2 HPA that owns the count', () => {
    const service = find('Service', 'jabba-api');
    expect(service.spec.selector).toEqual(api.spec.template?.metadata.labels);
    expect(service.spec.ports).toEqual([expect.objectContaining({ targetPort: 'http' })]);
    const hpa = find('HorizontalPodAutoscaler', 'jabba-api');
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'jabba-api' });
    expect(hpa.spec.metrics).toEqual([{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: expect.any(Number) as unknown } } }]);
    expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
    // Utilisation is of the request: without one the HPA has nothing to divide by.
    expect(containerOf(api).resources?.requests?.cpu).toBeDefined();
    expect(api.spec.replicas).toBeUndefined();
  });
});

describe('the worker Deployment and its KEDA ScaledObject', () => {
  it('probes the worker\'s metrics server, bound beyond loopback on the port the container names', async () => {
    const container = containerOf(worker);
    const config = loadWorkerConfig(environmentOf(container));
    expect(config.WORKER_METRICS_HOST).toBe('0.0.0.0');
    expect(container.ports).toEqual([{ name: 'metrics', containerPort: config.WORKER_METRICS_PORT }]);
    expect([container.livenessProbe, container.readinessProbe].map((p) => p?.httpGet)).toEqual([{ path: '/health', port: 'metrics' }, { path: '/ready', port: 'metrics' }]);
    const server = await serveWorkerProbesAlone();
    try {
      const base = `http://127.0.0.1:${server.port}`;
      expect(await (await fetch(`${base}/health`)).json()).toEqual({ status: 'ok' });
      const ready = await fetch(`${base}/ready`);
      expect([ready.status, await ready.json()]).toEqual([503, { status: 'not ready', postgres: 'failed', redis: 'failed' }]);
    } finally {
      await server.close();
    }
  });

  it('scales the workers on BullMQ\'s wait list of the task queue, never below one', () => {
    const scaled = find('ScaledObject', 'jabba-worker');
    expect(scaled.apiVersion).toBe('keda.sh/v1alpha1');
    expect(scaled.spec.scaleTargetRef).toEqual({ name: 'jabba-worker' });
    expect(scaled.spec.minReplicaCount).toBeGreaterThanOrEqual(1);
    expect(Number(scaled.spec.maxReplicaCount)).toBeGreaterThan(Number(scaled.spec.minReplicaCount));
    expect(worker.spec.replicas).toBeUndefined();

    const config = loadWorkerConfig(environmentOf(containerOf(worker)));
    const waitList = (nodes?: RedisNode[]) =>
      new QueueKeys(queuePrefixOf({ REDIS_URL: config.REDIS_URL, REDIS_CLUSTER_NODES: nodes, QUEUE_PREFIX: config.QUEUE_PREFIX })).toKey(queueNames.tasks, 'wait');
    const triggers = scaled.spec.triggers as { type: string; metadata: Record<string, string> }[];
    expect(triggers).toEqual([{ type: 'redis', metadata: expect.objectContaining({ listName: waitList(), listLength: expect.stringMatching(/^\d+$/) as unknown }) }]);
    // KEDA wants REDIS_URL's host:port, not the URL.
    expect(triggers[0]?.metadata.address).toMatch(/^[\w.-]+:\d+$/);
    // The Redis Cluster variant, in a comment, names the hash-tagged key.
    expect(read('deploy/k8s/worker.yaml')).toContain(`listName: "${waitList([{ host: 'redis-0', port: 6379 }])}"`);
  });
});
