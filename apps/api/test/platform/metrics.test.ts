/**
 * Metrics end to end, over HTTP: an import with known bad lines runs on a real worker, then the
 * worker's and the api's endpoints are scraped and their counts checked against the tasks written.
 */
import { serve, type ServerType } from '@hono/node-server';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findJob } from '@jabba/domain/engine';
import { waitFor } from '#test/wait-for';
import { startTestWorker, type TestWorker } from '#test/worker';
import { createTestApi, type TestApi } from '../support';

const header = 'classification_type,manufacturer_name,manufacturer_country,model_number,packaging_type,packaging_count,packaging_unit,is_active,device_names.name,device_names.type,description,properties.type,properties.value_integer';
const metricsToken = 'metrics-token-of-this-test-0123456789abcdef';

interface Sample { name: string; labels: Record<string, string>; value: number }

/** The samples of a text exposition (no escaped quotes in our label values). */
function samples(text: string): Sample[] {
  return text.split('\n').filter((line) => line !== '' && !line.startsWith('#')).map((line) => {
    const [, name, labels = '', value] = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line)!;
    return { name: name!, labels: Object.fromEntries([...labels.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]])), value: Number(value) };
  });
}

const valueOf = (all: Sample[], name: string, labels: Record<string, string>): number | undefined =>
  all.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;

async function listen(api: TestApi): Promise<{ server: ServerType; base: string }> {
  const server = serve({ fetch: api.app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise<void>((resolve) => { server.once('listening', () => resolve()); });
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

const close = (server: ServerType) => new Promise<void>((resolve) => { server.close(() => resolve()); (server as Server).closeAllConnections(); });

describe('metrics with METRICS_TOKEN set', () => {
  let api: TestApi;
  let worker: TestWorker;
  let workerMetrics: { port: number };
  let http: { server: ServerType; base: string };

  beforeAll(async () => {
    api = await createTestApi({ env: { METRICS_TOKEN: metricsToken } });
    worker = await startTestWorker(api);
    workerMetrics = await worker.serveMetrics();
    http = await listen(api);
  });

  afterAll(async () => {
    await close(http.server);
    await worker.close();
    await api.close();
  });

  it('counts the tasks an import wrote, on the worker and the api, and times the upload by its route pattern', async () => {
    const writer = await api.caller({ scopes: ['device_registry:write', 'device_registry_job:read'] });
    const csv = [
      header,
      'IIa,Acme,UA,M-1,box,10,piece,true,Thermometer,USER_PROVIDED,,,',
      'IIb,Acme,DE,M-2,pack,0,ml,false,Syringe,USER_PROVIDED,,,',
      'I,Acme,XX,M-3,box,1,piece,maybe,Gauze,USER_PROVIDED,,,',
      'IIa,Acme,UA,M-4,box,2,piece,true,Mask,USER_PROVIDED,,,',
    ].join('\n');
    const uploaded = await fetch(`${http.base}/v1/device-registry-jobs?registerType=MEDICAL_DEVICE&reasonDescription=Metrics`, {
      method: 'POST', headers: { 'Content-Type': 'text/csv', ...writer.headers }, body: csv,
    });
    expect(uploaded.status).toBe(202);
    const { databaseId } = (await uploaded.json()) as { databaseId: string };
    const job = await waitFor(async () => {
      const found = await findJob(api.em(), databaseId);
      return found && found.status !== 'PENDING' ? found : undefined;
    }, { what: 'the import to end' });
    expect(job.counters).toMatchObject({ total: 4, PROCESSED: 2, FAILED: 2 });
    const written = (await api.em().getConnection().execute(
      'select status, count(*)::int as count from tasks where job_id = ? group by status', [databaseId],
    )) as { status: string; count: number }[];
    expect(Object.fromEntries(written.map((r) => [r.status, r.count]))).toEqual({ PROCESSED: 2, FAILED: 2 });

    const scraped = await fetch(`http://127.0.0.1:${workerMetrics.port}/metrics`);
    expect(scraped.status).toBe(200);
    expect(scraped.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const fromWorker = samples(await scraped.text());
    const type = 'upload_device_definition_registry';
    for (const { status, count } of written) {
      expect(valueOf(fromWorker, 'jabba_worker_tasks_total', { job_type: type, outcome: status }), status).toBe(count);
    }
    expect(valueOf(fromWorker, 'jabba_worker_tasks_total', { job_type: type, outcome: 'RESCUED' })).toBeUndefined();
    expect(valueOf(fromWorker, 'jabba_worker_chunk_duration_seconds_count', { job_type: type })).toBeGreaterThanOrEqual(1);
    // startWorker reconciles once before it runs.
    expect(valueOf(fromWorker, 'jabba_worker_reconcile_runs_total', {})).toBeGreaterThanOrEqual(1);
    expect(valueOf(fromWorker, 'jabba_worker_chunks_reenqueued_total', {})).toBeGreaterThanOrEqual(0);
    expect(valueOf(fromWorker, 'jabba_worker_db_pool_waiting', {})).toBe(0);

    const fromApi = await fetch(`${http.base}/metrics`, { headers: { Authorization: `Bearer ${metricsToken}` } });
    expect(fromApi.status).toBe(200);
    const apiSamples = samples(await fromApi.text());
    expect(valueOf(apiSamples, 'jabba_api_http_request_duration_seconds_count', { method: 'POST', route: '/v1/device-registry-jobs', status: '202' })).toBe(1);
    // Route patterns only: no sample carries a job's id.
    expect(apiSamples.filter((s) => Object.values(s.labels).some((v) => v.includes(databaseId)))).toEqual([]);
    expect(valueOf(apiSamples, 'jabba_api_uploads_in_flight', {})).toBe(0);
    expect(valueOf(apiSamples, 'jabba_api_db_pool_waiting', {})).toBe(0);
    expect(valueOf(apiSamples, 'jabba_jobs', { status: 'FAILED' })).toBe(1);
    expect(valueOf(apiSamples, 'jabba_queue_jobs', { queue: 'jabba-tasks', state: 'active' })).toBe(0);
  });

  it('refuses a scrape of the api without the token or with another one, even from this machine', async () => {
    for (const headers of [{}, { Authorization: 'Bearer not-the-metrics-token' }, { Authorization: metricsToken }] as Record<string, string>[]) {
      const refused = await fetch(`${http.base}/metrics`, { headers });
      expect(refused.status).toBe(401);
      expect(await refused.json()).toMatchObject({ type: '/problems/unauthenticated', status: 401, detail: 'Metrics need the bearer token set in METRICS_TOKEN' });
    }
  });

  it('answers the worker\'s /health and /ready, and 404 elsewhere', async () => {
    const base = `http://127.0.0.1:${workerMetrics.port}`;
    expect(await (await fetch(`${base}/health`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${base}/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', postgres: 'ok', redis: 'ok' });
    expect((await fetch(`${base}/nothing`)).status).toBe(404);
  });
});

describe('metrics without METRICS_TOKEN', () => {
  let api: TestApi;
  let http: { server: ServerType; base: string };

  beforeAll(async () => {
    api = await createTestApi();
    http = await listen(api);
  });

  afterAll(async () => {
    await close(http.server);
    await api.close();
  });

  it('serves a loopback caller, and refuses one relayed by a proxy or not on a socket of this machine', async () => {
    const local = await fetch(`${http.base}/metrics`);
    expect(local.status).toBe(200);
    expect(await local.text()).toContain('# TYPE jabba_api_http_request_duration_seconds histogram');

    const forbidden = { type: '/problems/forbidden', status: 403, detail: 'Metrics are served to this machine only unless METRICS_TOKEN is set' };
    for (const headers of [{ 'X-Forwarded-For': '203.0.113.7' }, { Forwarded: 'for=203.0.113.7' }] as Record<string, string>[]) {
      const relayed = await fetch(`${http.base}/metrics`, { headers });
      expect(relayed.status).toBe(403);
      expect(await relayed.json()).toMatchObject(forbidden);
    }
    // app.request has no socket: an unknown peer is not loopback.
    const noPeer = await api.app.request('/metrics');
    expect(noPeer.status).toBe(403);
  });
});
