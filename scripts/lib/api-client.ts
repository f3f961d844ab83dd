/**
 * The api as the upload commands see it: plain HTTP with a bearer token, so they work against any
 * Jabba. A refusal becomes an ApiRefusal carrying the RFC 9457 problem's own words.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable, Transform } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { setTimeout as sleep } from 'node:timers/promises';
import { createParser } from 'eventsource-parser';

/** `GET /v1/jobs/{id}/errors.csv`'s forms: the default, `?raw=true` and `?records=true`. */
export type ErrorsForm = 'safe' | 'raw' | 'records';

/** The fields of `GET /v1/jobs/{id}` the commands read. */
export interface JobSnapshot {
  databaseId: string;
  status: 'PENDING' | 'PROCESSED' | 'FAILED';
  progress: { total: number; pending: number; processed: number; failed: number; aborted: number };
  startedAt: string;
  endedAt: string | null;
}

export class ApiRefusal extends Error {
  override readonly name = 'ApiRefusal';
}

/** A stream that ends without `end` is reconnected; this many failures in a row give up. */
const maxReconnects = 5;
const reconnectDelayMs = 1_000;

async function refusal(response: Response): Promise<ApiRefusal> {
  const text = await response.text().catch(() => '');
  let problem: { title?: unknown; detail?: unknown } = {};
  try {
    problem = JSON.parse(text) as typeof problem;
  } catch {
    // Not a problem document (a proxy's page, say): its first line is all there is to show.
  }
  const words = typeof problem.detail === 'string' ? problem.detail : typeof problem.title === 'string' ? problem.title : text.split('\n')[0] ?? '';
  return new ApiRefusal(`the api refused (${response.status}${response.statusText ? ` ${response.statusText}` : ''}): ${words}`);
}

export class ApiClient {
  constructor(private readonly baseUrl: string, private readonly token: string) {}

  private async request(path: string, init: RequestInit & { duplex?: 'half' } = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    headers.set('authorization', `Bearer ${this.token}`);
    let response: Response;
    try {
      response = await fetch(new URL(path, this.baseUrl), { ...init, headers });
    } catch (error) {
      const cause = (error as { cause?: { message?: string } }).cause?.message;
      throw new Error(`cannot reach the api at ${this.baseUrl}${cause ? `: ${cause}` : ''}`);
    }
    if (!response.ok) throw await refusal(response);
    return response;
  }

  /** Streams the file as the body, calling `onBytes` with the running count as chunks leave. */
  async upload(file: string, args: { registerType: string; reason: string; idempotencyKey?: string; dryRun?: boolean }, onBytes: (sent: number, size: number) => void): Promise<{ job: JobSnapshot; reused: boolean }> {
    const { size } = await stat(file);
    let sent = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        sent += chunk.byteLength;
        onBytes(sent, size);
        done(null, chunk);
      },
    });
    const body = Readable.toWeb(createReadStream(file).pipe(counter)) as ReadableStream<Uint8Array>;
    const query = new URLSearchParams({ registerType: args.registerType, reasonDescription: args.reason });
    if (args.dryRun) query.set('dryRun', 'true');
    const headers: Record<string, string> = { 'content-type': 'text/csv', 'content-length': String(size) };
    if (args.idempotencyKey !== undefined) headers['idempotency-key'] = args.idempotencyKey;
    const response = await this.request(`/v1/device-registry-jobs?${query}`, { method: 'POST', headers, body, duplex: 'half' });
    const created = (await response.json()) as { databaseId: string };
    return { job: await this.job(created.databaseId), reused: response.status === 200 };
  }

  async job(id: string): Promise<JobSnapshot> {
    return (await (await this.request(`/v1/jobs/${encodeURIComponent(id)}`)).json()) as JobSnapshot;
  }

  /** The failed records as `GET /v1/jobs/{id}/errors.csv` streams them, in one of its forms. */
  async errorsCsv(id: string, form: ErrorsForm = 'safe'): Promise<Readable> {
    const response = await this.request(`/v1/jobs/${encodeURIComponent(id)}/errors.csv${form === 'safe' ? '' : `?${form}=true`}`);
    if (!response.body) throw new Error('the api sent no errors.csv body');
    return Readable.fromWeb(response.body as WebReadableStream<Uint8Array>);
  }

  /**
   * Follows the job's events until `end`, reconnecting with Last-Event-ID when the server closes a
   * stream (its time limit, a restart) and waiting out a 503 `busy`; answers the final snapshot.
   */
  async watch(id: string, onSnapshot: (job: JobSnapshot) => void): Promise<JobSnapshot> {
    let lastEventId: string | undefined;
    let failures = 0;
    for (;;) {
      let final: JobSnapshot | undefined;
      try {
        const headers: Record<string, string> = { accept: 'text/event-stream' };
        if (lastEventId !== undefined) headers['last-event-id'] = lastEventId;
        const response = await this.request(`/v1/jobs/${encodeURIComponent(id)}/events`, { headers });
        const parser = createParser({
          onEvent: (event) => {
            if (event.id !== undefined) lastEventId = event.id;
            const job = JSON.parse(event.data) as JobSnapshot;
            onSnapshot(job);
            if (event.event === 'end') final = job;
          },
        });
        const decoder = new TextDecoder();
        const reader = response.body?.getReader();
        while (reader && !final) {
          const { done, value } = await reader.read();
          if (done) break;
          parser.feed(decoder.decode(value, { stream: true }));
        }
        if (final) await reader?.cancel();
        if (final) return final;
        failures = 0;
      } catch (error) {
        // A refusal (no access, no such job) will not change by asking again.
        if (error instanceof ApiRefusal && !error.message.includes('(503')) throw error;
        if (++failures > maxReconnects) throw error;
        await sleep(reconnectDelayMs * failures);
      }
    }
  }
}
