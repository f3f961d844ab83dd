/**
 * One POST to a receiver, kept on a short leash: one deadline for connect, request and response
 * together; redirects are answered, never followed; at most `maxResponseBytes` of the answer are
 * read (for the delivery's last error) and the rest is dropped with the connection. Unless private
 * addresses are allowed, the host is resolved and checked by the SSRF guard on the connection itself.
 */
import http from 'node:http';
import https from 'node:https';
import { assertPublicLiteral, guardedLookup } from './ssrf-guard';

/** What is kept of a receiver's answer: enough for an error message, never a whole page. */
export const maxResponseBytes = 4096;

export interface PostOptions {
  timeoutMs: number;
  allowPrivate: boolean;
}

/** The receiver's status and the start of its body; or why there was no answer. */
export type PostAnswer = { status: number; body: string } | { error: string };

export function postJson(url: string, body: string, headers: Record<string, string>, options: PostOptions): Promise<PostAnswer> {
  return new Promise((resolve) => {
    let target: URL;
    try {
      target = new URL(url);
      if (!options.allowPrivate) assertPublicLiteral(target.hostname);
    } catch (error) {
      resolve({ error: (error as Error).message });
      return;
    }
    const client = target.protocol === 'https:' ? https : http;
    const request = client.request(target, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'user-agent': 'Jabba-Webhooks/1' },
      // No pooled socket: each request resolves (and checks) its host afresh.
      agent: false,
      signal: AbortSignal.timeout(options.timeoutMs),
      ...(options.allowPrivate ? {} : { lookup: guardedLookup }),
    }, (response) => {
      const chunks: Buffer[] = [];
      let kept = 0;
      const done = () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
      response.on('data', (chunk: Buffer) => {
        if (kept >= maxResponseBytes) return;
        chunks.push(chunk.subarray(0, maxResponseBytes - kept));
        kept += Math.min(chunk.length, maxResponseBytes - kept);
        // Enough read: the rest is not waited for (a receiver streaming forever cannot hold us).
        if (kept >= maxResponseBytes) {
          response.destroy();
          done();
        }
      });
      // Whichever comes first settles it: the end, a reset mid-body, the deadline.
      response.on('end', done);
      response.on('close', done);
    });
    request.on('error', (error: NodeJS.ErrnoException) => {
      const timedOut = error.name === 'AbortError' || error.name === 'TimeoutError';
      resolve({ error: timedOut ? `no answer within ${options.timeoutMs} ms` : error.message });
    });
    request.end(body);
  });
}
