/**
 * Every JSON route has a body limit (issue 11): the REST routes read theirs with readJson (1 MiB, or
 * the merge candidates' own bound), and GraphQL, which yoga would otherwise read whole however large,
 * is bounded at 16 MiB: a 413 problem, announced or counted as it streams.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type TestApi } from '../support';

let api: TestApi;

beforeAll(async () => {
  api = await createTestApi();
});
afterAll(() => api.close());

const limit = 16 * 1024 * 1024;
const tooLarge = {
  type: '/problems/payload-too-large',
  title: 'Content Too Large',
  status: 413,
  detail: `The JSON body is larger than the limit of ${limit} bytes`,
  requestId: expect.any(String),
};

/** A GraphQL request whose body is `size` bytes of valid JSON, sent chunked (no Content-Length). */
function graphqlOfSize(size: number): Request {
  const head = '{"query":"{ __typename }","variables":{"pad":"';
  const tail = '"}}';
  const pad = new TextEncoder().encode('x'.repeat(1 << 20));
  let left = size - head.length - tail.length;
  let stage: 'head' | 'pad' | 'tail' | 'done' = 'head';
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (stage === 'head') {
        controller.enqueue(new TextEncoder().encode(head));
        stage = 'pad';
      } else if (stage === 'pad') {
        const piece = pad.subarray(0, Math.min(left, pad.byteLength));
        left -= piece.byteLength;
        controller.enqueue(piece);
        if (left === 0) stage = 'tail';
      } else if (stage === 'tail') {
        controller.enqueue(new TextEncoder().encode(tail));
        stage = 'done';
      } else {
        controller.close();
      }
    },
  });
  return new Request('http://localhost/graphql', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body, duplex: 'half' } as RequestInit);
}

describe('GraphQL body limit', () => {
  it('answers a body of exactly 16 MiB, and refuses one byte more with a 413 problem', async () => {
    const fits = await api.app.request(graphqlOfSize(limit));
    expect({ status: fits.status, body: await fits.json() }).toEqual({ status: 200, body: { data: { __typename: 'Query' }, extensions: expect.any(Object) } });

    const over = await api.app.request(graphqlOfSize(limit + 1));
    expect({ status: over.status, type: over.headers.get('content-type'), body: await over.json() }).toEqual({ status: 413, type: 'application/problem+json', body: tooLarge });
  });

  it('refuses an announced Content-Length over the bound before reading the body', async () => {
    const request = new Request('http://localhost/graphql', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Content-Length': String(limit + 1) },
      body: '{"query":"{ __typename }"}',
    });
    const response = await api.app.request(request);
    expect({ status: response.status, body: await response.json() }).toEqual({ status: 413, body: tooLarge });
    expect(request.bodyUsed).toBe(false);
  });
});
