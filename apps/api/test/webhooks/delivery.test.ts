/**
 * Webhooks end to end, in one process: the api registers an endpoint on a receiver at 127.0.0.1
 * (WEBHOOK_ALLOW_PRIVATE), an upload runs on a real worker, the job's end writes the delivery in
 * its own transaction, the relay queues it, and the receiver verifies the Standard Webhooks
 * signature with the `standardwebhooks` package itself. Backoff is milliseconds here.
 */
import { readFileSync } from 'node:fs';
import { Queue } from 'bullmq';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { relayNewDeliveries, webhookDeliveriesQueue } from '@jabba/domain/webhooks';
import { deleteKeysWithPrefix } from '#test/redis';
import { waitFor } from '#test/wait-for';
import { startTestWorker, type TestWorker } from '#test/worker';
import { createTestApi, type Caller, type TestApi } from '../support';
import { startReceiver, type Receiver } from './receiver';

const devicesCsv = readFileSync(new URL('../../../../examples/devices.csv', import.meta.url), 'utf8');
const scopes = ['device_registry:write', 'device_registry_job:read', 'webhooks:manage', 'webhooks:read'];
const webhookSettings = {
  allowPrivate: true, timeoutMs: 2000, retry: { maxAttempts: 3, baseDelayMs: 20 }, relayEveryMs: 20, concurrency: 2,
};

let api: TestApi;
let receiver: Receiver;
let worker: TestWorker | undefined;

beforeAll(async () => {
  [api, receiver] = await Promise.all([createTestApi({ env: { WEBHOOK_ALLOW_PRIVATE: 'true' } }), startReceiver()]);
});

afterAll(async () => {
  await worker?.close();
  await receiver.close();
  await api.close();
});

const call = async (caller: Caller, method: string, path: string, body?: unknown) => {
  const response = await api.app.request(path, {
    method, headers: { ...caller.headers, 'Content-Type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: response.status === 204 ? null : await response.json() as Record<string, unknown> };
};

async function register(caller: Caller, path: string): Promise<{ id: string; secret: string }> {
  const { status, body } = await call(caller, 'POST', '/v1/webhooks', { url: receiver.url(path), events: ['job.ended'] });
  expect(status).toBe(201);
  return body as { id: string; secret: string };
}

async function upload(caller: Caller, csv = devicesCsv): Promise<string> {
  const response = await api.app.request('/v1/device-registry-jobs?registerType=MEDICAL_DEVICE&reasonDescription=Webhooks', {
    method: 'POST', headers: { ...caller.headers, 'Content-Type': 'text/csv' }, body: csv,
  });
  expect(response.status).toBe(202);
  return ((await response.json()) as { databaseId: string }).databaseId;
}

const arrivedAt = (path: string) => receiver.received.filter((r) => r.path === path);

/** The one request `path` received, verified with `secret` (standardwebhooks throws unless it matches). */
async function verifiedDelivery(path: string, secret: string, count = 1): Promise<Record<string, unknown>> {
  const requests = await waitFor(() => (arrivedAt(path).length >= count ? arrivedAt(path) : undefined), { what: `${count} request(s) at ${path}` });
  const last = requests.at(-1)!;
  return new Webhook(secret).verify(last.body, last.headers as Record<string, string>) as Record<string, unknown>;
}

const deliveries = async (caller: Caller, webhookId: string, query = '') =>
  (await call(caller, 'GET', `/v1/webhooks/${webhookId}/deliveries${query}`)).body as { items: Record<string, unknown>[]; nextCursor: string | null };

/**
 * The endpoint's deliveries once none is PENDING: the receiver has the request before the worker
 * records its answer, so a test reads the record only after that.
 */
const settledDeliveries = (caller: Caller, webhookId: string) =>
  waitFor(async () => {
    const { items } = await deliveries(caller, webhookId);
    return items.length > 0 && items.every((d) => d.status !== 'PENDING') ? items : undefined;
  }, { what: `the deliveries of ${webhookId} to be recorded` });

describe('webhook deliveries', () => {
  it('delivers an event that was committed while Redis lost its message: the relay queues it again', async () => {
    // No worker yet: the job is cancelled by the api, and its delivery waits in Postgres.
    const caller = await api.caller({ scopes });
    const { id, secret } = await register(caller, '/redis-loss');
    const jobId = await upload(caller);
    expect((await call(caller, 'POST', `/v1/jobs/${jobId}/cancel`)).status).toBe(200);
    const queue = new Queue(webhookDeliveriesQueue, { connection: api.redis, prefix: api.prefix });
    expect(await relayNewDeliveries(api.em(), queue, webhookSettings.retry)).toBe(1);
    expect(await queue.getJobCounts('waiting')).toEqual({ waiting: 1 });
    expect(await deleteKeysWithPrefix(api.redis, api.prefix)).toBeGreaterThan(0);
    expect(await queue.getJobCounts('waiting')).toEqual({ waiting: 0 });
    await queue.close();

    worker = await startTestWorker(api, { webhooks: webhookSettings });
    const payload = await verifiedDelivery('/redis-loss', secret);
    const job = (await call(caller, 'GET', `/v1/jobs/${jobId}`)).body as { type: string; endedAt: string };
    expect(payload).toEqual({
      type: 'job.ended', jobId, jobType: job.type, status: 'FAILED',
      progress: { total: 12, pending: 0, processed: 0, failed: 0, aborted: 12 }, endedAt: job.endedAt,
    });
    expect(await settledDeliveries(caller, id)).toMatchObject([{ status: 'DELIVERED', attempts: 1, lastResponseStatus: 204, lastError: null }]);
  });

  it('posts one verified job.ended event when a job the worker ran ends, with the job’s own figures', async () => {
    const caller = await api.caller({ scopes });
    const { id, secret } = await register(caller, '/processed');
    const jobId = await upload(caller);
    const payload = await verifiedDelivery('/processed', secret);
    const job = (await call(caller, 'GET', `/v1/jobs/${jobId}`)).body as { type: string; status: string; progress: unknown; endedAt: string };
    expect(payload).toEqual({ type: 'job.ended', jobId, jobType: job.type, status: 'FAILED', progress: job.progress, endedAt: job.endedAt });
    expect(job.progress).toEqual({ total: 12, pending: 0, processed: 10, failed: 2, aborted: 0 });

    const [request] = arrivedAt('/processed');
    const [delivery] = await settledDeliveries(caller, id);
    expect(request!.headers['webhook-id']).toBe(delivery!.eventId);
    expect(request!.headers['content-type']).toBe('application/json');
    expect(delivery).toMatchObject({ event: 'job.ended', status: 'DELIVERED', attempts: 1, lastResponseStatus: 204, lastError: null, failedAt: null, payload });
    // Nothing is left to re-offer, so a reconcile sends nothing twice.
    await worker!.worker.reconcileNow();
    expect(await worker!.worker.relayWebhooksNow()).toBe(0);
    expect(arrivedAt('/processed')).toHaveLength(1);
  });

  it('retries a 500 after its backoff and records both attempts', async () => {
    const caller = await api.caller({ scopes });
    const { id, secret } = await register(caller, '/flaky');
    receiver.answer(500);
    await upload(caller);
    await verifiedDelivery('/flaky', secret, 2);
    const delivered = await waitFor(async () => (await deliveries(caller, id)).items.find((d) => d.status === 'DELIVERED'), { what: 'the delivery to be recorded' });
    expect(delivered).toMatchObject({ attempts: 2, lastResponseStatus: 204, lastError: null });
    const counted = (await worker!.worker.metrics.registry.getSingleMetric('jabba_webhook_deliveries_total')!.get()).values;
    expect(counted.find((v) => v.labels.outcome === 'retry')?.value).toBeGreaterThanOrEqual(1);
    expect(counted.find((v) => v.labels.outcome === 'delivered')?.value).toBeGreaterThanOrEqual(3);
  });

  it('gives up after the last attempt, keeping the last error', async () => {
    const caller = await api.caller({ scopes });
    const { id } = await register(caller, '/down');
    receiver.answer(503, 503, 503);
    await upload(caller);
    const failed = await waitFor(async () => (await deliveries(caller, id)).items.find((d) => d.status === 'FAILED'), { what: 'the delivery to fail' });
    expect(failed).toMatchObject({ attempts: 3, lastResponseStatus: 503, lastError: 'HTTP 503: status 503 from the test receiver', deliveredAt: null });
    expect(arrivedAt('/down')).toHaveLength(3);
  });

  it('disables an endpoint that answers 410 Gone, after one attempt', async () => {
    const caller = await api.caller({ scopes });
    const { id } = await register(caller, '/gone');
    receiver.answer(410);
    await upload(caller);
    const failed = await waitFor(async () => (await deliveries(caller, id)).items.find((d) => d.status === 'FAILED'), { what: 'the delivery to fail' });
    expect(failed).toMatchObject({ attempts: 1, lastResponseStatus: 410 });
    const [endpoint] = ((await call(caller, 'GET', '/v1/webhooks')).body as { items: Record<string, unknown>[] }).items;
    expect(endpoint).toMatchObject({ id, disabledReason: expect.stringMatching(/^answered 410 Gone at /) as unknown });
    expect(endpoint!.disabledAt).not.toBeNull();
  });

  it('signs with the old and the new secret during a rotation’s overlap', async () => {
    const caller = await api.caller({ scopes });
    const { id, secret: old } = await register(caller, '/rotated');
    const { status, body } = await call(caller, 'POST', `/v1/webhooks/${id}/rotate-secret`);
    expect(status).toBe(200);
    const rotated = body as { secret: string; previousSecretValidUntil: string };
    expect(rotated.secret).not.toBe(old);
    await upload(caller);
    const payload = await verifiedDelivery('/rotated', rotated.secret);
    expect(await verifiedDelivery('/rotated', old)).toEqual(payload);
    expect(String(arrivedAt('/rotated')[0]!.headers['webhook-signature']).split(' ')).toHaveLength(2);
  });

  it('lets job retention delete finished deliveries as old as the jobs it deletes, never pending ones', async () => {
    const caller = await api.caller({ scopes });
    const { id } = await register(caller, '/retention');
    await api.em().getConnection().execute(
      `insert into webhook_deliveries (endpoint_id, event_id, event_type, payload, status, failed_at, delivered_at, published_at, inserted_at)
       values (?, gen_random_uuid(), 'job.ended', '{}', 'FAILED', now(), null, now(), now() - interval '91 days'),
              (?, gen_random_uuid(), 'job.ended', '{}', 'DELIVERED', null, now(), now(), now() - interval '89 days'),
              (?, gen_random_uuid(), 'job.ended', '{}', 'PENDING', null, null, now(), now() - interval '91 days')`,
      [id, id, id],
    );
    expect(await worker!.worker.retentionNow()).toMatchObject({ jobsDeleted: 0 });
    expect((await deliveries(caller, id)).items.map((d) => d.status).sort()).toEqual(['DELIVERED', 'PENDING']);
  });
});
