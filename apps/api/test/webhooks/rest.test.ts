/**
 * The webhook routes' answers and refusals, in process (no worker): the secret shown once, every
 * input bounded, the SSRF rule at registration (WEBHOOK_ALLOW_PRIVATE off, the default), the cap of
 * endpoints per client, and the deliveries list's keyset pages.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maxEndpointsPerClient } from '@jabba/domain/webhooks';
import { createTestApi, type Caller, type TestApi } from '../support';

let api: TestApi;
let caller: Caller;
const publicUrl = 'https://93.184.215.14/hooks';

beforeAll(async () => {
  api = await createTestApi();
  caller = await api.caller({ scopes: ['webhooks:manage', 'webhooks:read'] });
});
afterAll(() => api.close());

const call = async (method: string, path: string, body?: unknown, who = caller) => {
  const response = await api.app.request(path, {
    method, headers: { ...who.headers, 'Content-Type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, headers: response.headers, body: response.status === 204 ? null : await response.json() as Record<string, unknown> };
};

const refusal = (status: number, detail: string, inputErrors?: { path: string; message: string }[]) =>
  expect.objectContaining({ status, body: expect.objectContaining({ detail, ...(inputErrors ? { inputErrors } : {}) }) as unknown });

describe('POST /v1/webhooks', () => {
  it('answers the endpoint and its secret once; the list never shows it', async () => {
    const created = await call('POST', '/v1/webhooks', { url: 'https://93.184.215.14:8443/a/b?c=d', events: ['job.ended', 'job.ended'] });
    expect(created.status).toBe(201);
    const id = created.body!.id as string;
    expect(created.headers.get('location')).toBe(`/v1/webhooks/${id}`);
    expect(created.headers.get('cache-control')).toBe('no-store');
    expect(created.body).toEqual({
      id, url: 'https://93.184.215.14:8443/a/b?c=d', events: ['job.ended'], disabledAt: null, disabledReason: null,
      createdAt: expect.any(String), updatedAt: expect.any(String), secret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]{32}$/) as unknown,
      links: { self: `/v1/webhooks/${id}`, deliveries: `/v1/webhooks/${id}/deliveries`, rotateSecret: `/v1/webhooks/${id}/rotate-secret` },
    });
    const { secret: _secret, ...listed } = created.body!;
    expect((await call('GET', '/v1/webhooks')).body).toEqual({ items: [listed] });

    const rotated = await call('POST', `/v1/webhooks/${id}/rotate-secret`);
    expect(rotated.body).toEqual({ id, secret: expect.stringMatching(/^whsec_/) as unknown, previousSecretValidUntil: expect.any(String) });
    expect(rotated.body!.secret).not.toBe(created.body!.secret);
    const overlapHours = (Date.parse(rotated.body!.previousSecretValidUntil as string) - Date.now()) / 3_600_000;
    expect(overlapHours).toBeGreaterThan(23.9);
    expect(overlapHours).toBeLessThanOrEqual(24);

    expect((await call('DELETE', `/v1/webhooks/${id}`)).status).toBe(204);
    expect(await call('DELETE', `/v1/webhooks/${id}`)).toEqual(refusal(404, `Webhook endpoint ${id} not found`));
    expect(await call('POST', '/v1/webhooks/not-a-uuid/rotate-secret')).toEqual(refusal(404, 'Webhook endpoint not-a-uuid not found'));
    expect((await call('GET', '/v1/webhooks')).body).toEqual({ items: [] });
  });

  const urlMessage = 'must be an absolute http or https URL of at most 2048 characters, without user or password';
  it.each([
    [{}, [{ path: '$.url', message: 'is required' }, { path: '$.events', message: 'must be a non-empty list of: job.ended' }]],
    [{ url: 'ftp://93.184.215.14/x', events: ['job.ended'] }, [{ path: '$.url', message: urlMessage }]],
    [{ url: 'not a url', events: ['job.ended'] }, [{ path: '$.url', message: urlMessage }]],
    [{ url: 'https://user:pw@93.184.215.14/x', events: ['job.ended'] }, [{ path: '$.url', message: urlMessage }]],
    [{ url: `https://93.184.215.14/${'x'.repeat(2048)}`, events: ['job.ended'] }, [{ path: '$.url', message: urlMessage }]],
    [{ url: 42, events: ['job.ended'] }, [{ path: '$.url', message: urlMessage }]],
    [{ url: publicUrl, events: [] }, [{ path: '$.events', message: 'must be a non-empty list of: job.ended' }]],
    [{ url: publicUrl, events: ['job.started'] }, [{ path: '$.events[0]', message: 'must be one of: job.ended' }]],
  ])('refuses %j with 422 naming each bad field', async (body, inputErrors) => {
    expect(await call('POST', '/v1/webhooks', body)).toEqual(refusal(422, 'Validation failed', inputErrors));
  });

  it.each([
    ['http://127.0.0.1:8080/hooks', '127.0.0.1 is not a public address (loopback)'],
    ['http://10.0.0.7/hooks', '10.0.0.7 is not a public address (private)'],
    ['http://169.254.169.254/latest/meta-data', '169.254.169.254 is not a public address (link-local)'],
    ['http://[::ffff:169.254.169.254]/', '::ffff:a9fe:a9fe is not a public address (link-local)'],
    ['http://[fd00::1]/', 'fd00::1 is not a public address (unique-local)'],
    ['http://100.64.1.1/', '100.64.1.1 is not a public address (carrier-grade-nat)'],
    ['http://0.0.0.0/', '0.0.0.0 is not a public address (unspecified)'],
  ])('refuses %s, which is not a public address', async (url, reason) => {
    expect(await call('POST', '/v1/webhooks', { url, events: ['job.ended'] })).toEqual(refusal(422, 'Validation failed', [
      { path: '$.url', message: `must reach a public address: ${reason} (WEBHOOK_ALLOW_PRIVATE is off)` },
    ]));
  });

  it('refuses a name that resolves to loopback', async () => {
    const { status, body } = await call('POST', '/v1/webhooks', { url: 'http://localhost:9/hooks', events: ['job.ended'] });
    expect(status).toBe(422);
    expect(body!.inputErrors).toEqual([{ path: '$.url', message: expect.stringMatching(/^must reach a public address: localhost resolves to (127\.0\.0\.1|::1), which is not a public address \(loopback\)/) as unknown }]);
  });

  it(`keeps a client to ${maxEndpointsPerClient} endpoints`, async () => {
    const busy = await api.caller({ scopes: ['webhooks:manage'] });
    const statuses = await Promise.all(Array.from({ length: maxEndpointsPerClient + 2 }, () => call('POST', '/v1/webhooks', { url: publicUrl, events: ['job.ended'] }, busy)));
    expect(statuses.filter((s) => s.status === 201)).toHaveLength(maxEndpointsPerClient);
    expect(statuses.filter((s) => s.status !== 201)).toEqual(Array(2).fill(refusal(409, `A client may register at most ${maxEndpointsPerClient} webhook endpoints; delete one first`)));
  });
});

describe('GET /v1/webhooks/{id}/deliveries', () => {
  it('pages newest first, bounded', async () => {
    const id = (await call('POST', '/v1/webhooks', { url: publicUrl, events: ['job.ended'] })).body!.id as string;
    await api.em().getConnection().execute(
      `insert into webhook_deliveries (endpoint_id, event_id, event_type, payload, inserted_at)
       select ?, gen_random_uuid(), 'job.ended', jsonb_build_object('n', n), now() - n * interval '1 minute' from generate_series(1, 3) n`,
      [id],
    );
    const first = await call('GET', `/v1/webhooks/${id}/deliveries?first=2`);
    const items = first.body!.items as { payload: { n: number }; status: string; attempts: number }[];
    expect(items.map((d) => d.payload.n)).toEqual([1, 2]);
    expect(items[0]).toMatchObject({ status: 'PENDING', attempts: 0, lastError: null, lastResponseStatus: null, deliveredAt: null, failedAt: null });
    const next = await call('GET', `/v1/webhooks/${id}/deliveries?first=2&after=${encodeURIComponent(first.body!.nextCursor as string)}`);
    expect(next.body).toMatchObject({ nextCursor: null });
    expect((next.body!.items as { payload: { n: number } }[]).map((d) => d.payload.n)).toEqual([3]);
    expect(await call('GET', `/v1/webhooks/${id}/deliveries?first=501`)).toEqual(refusal(422, 'Validation failed', [{ path: '$.first', message: 'must be an integer from 1 to 500' }]));
    expect(await call('GET', `/v1/webhooks/${id}/deliveries?after=bogus`)).toEqual(refusal(422, 'Validation failed', [{ path: '$.after', message: 'is not a valid cursor' }]));
  });
});
