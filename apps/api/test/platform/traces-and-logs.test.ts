/**
 * One trace from the upload to the chunks that ran it, and log lines that say which request, job
 * and trace they belong to. Tracing is started as main starts it (after config, so after pg and
 * ioredis were loaded by this file's imports), with an in-memory exporter; the api runs in-process
 * and a real worker runs the chunks through BullMQ on Redis.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { findJob, queueNames } from '@jabba/domain/engine';
import { createLogger } from '@jabba/domain/platform';
import { startTracing, type Tracing } from '@jabba/domain/tracing';
import { waitFor } from '#test/wait-for';
import { startTestWorker, type TestWorker } from '#test/worker';
import { traceRequests } from '../../src/platform/request-tracing';
import { createTestApi, type Caller, type TestApi } from '../support';

interface LogLine { msg: string; requestId?: string; jobId?: string; fromSeq?: number; traceId?: string; spanId?: string }

const sink = (lines: LogLine[]) => new Writable({ write(chunk: Buffer, _enc, done) { lines.push(JSON.parse(chunk.toString()) as LogLine); done(); } });

const header = 'classification_type,manufacturer_name,manufacturer_country,model_number,packaging_type,packaging_count,packaging_unit,is_active,device_names.name,device_names.type';
// The device registry's chunks hold 1000 tasks: two chunks.
const records = 1200;
const csv = [header, ...Array.from({ length: records }, (_, i) => `IIa,Acme,UA,M-${i},box,1,piece,true,Mask ${i},USER_PROVIDED`)].join('\n');

// BullMQ's own spans: the add of the chunks' messages, and the processing of each.
const enqueued = `addBulk ${queueNames.tasks}`;
const processed = `process ${queueNames.tasks}`;

const exporter = new InMemorySpanExporter();
const apiLines: LogLine[] = [];
const workerLines: LogLine[] = [];
let tracing: Tracing;
let api: TestApi;
let worker: TestWorker;
let writer: Caller;

beforeAll(async () => {
  tracing = startTracing({ serviceName: 'jabba-test', spanProcessor: new SimpleSpanProcessor(exporter) });
  api = await createTestApi({ logger: createLogger('debug', 'api', sink(apiLines)), telemetry: tracing.bullmq, traceRequests: traceRequests() });
  worker = await startTestWorker(api, { logger: createLogger('debug', 'worker', sink(workerLines)), telemetry: tracing.bullmq });
  writer = await api.caller({ scopes: ['device_registry:write', 'device_registry_job:read'] });
});

afterAll(async () => {
  await worker?.close();
  await api?.close();
  await tracing?.stop();
});

const spans = () => exporter.getFinishedSpans();
const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;
/** The names of `span`'s ancestors, nearest first, as far as they were exported. */
function ancestors(span: ReadableSpan): string[] {
  const byId = new Map(spans().map((s) => [s.spanContext().spanId, s]));
  const names: string[] = [];
  for (let parent = byId.get(parentOf(span) ?? ''); parent; parent = byId.get(parentOf(parent) ?? '')) names.push(parent.name);
  return names;
}

describe('an upload traced from its request to its chunks', () => {
  let jobId: string;
  let traceId: string;

  beforeAll(async () => {
    const requestLinesBefore = apiLines.length;
    const response = await api.app.request('/v1/device-registry-jobs?registerType=MEDICAL_DEVICE&reasonDescription=Traced', {
      method: 'POST', headers: { 'Content-Type': 'text/csv', 'X-Request-Id': 'traced-upload', ...writer.headers }, body: csv,
    });
    expect(response.status).toBe(202);
    jobId = ((await response.json()) as { databaseId: string }).databaseId;
    const uploadLines = apiLines.slice(requestLinesBefore);
    const server = spans().find((s) => s.name === 'POST /v1/device-registry-jobs');
    if (!server) throw new Error('no server span for the upload');
    traceId = server.spanContext().traceId;
    // Every line the upload logged (the access log at least) names the request and its trace.
    expect(uploadLines.length).toBeGreaterThan(0);
    expect(uploadLines.every((l) => l.requestId === 'traced-upload' && l.traceId === traceId)).toBe(true);
    expect(uploadLines.find((l) => l.msg === 'request')?.spanId).toBe(server.spanContext().spanId);

    await waitFor(async () => ((await findJob(api.em(), jobId))?.status === 'PROCESSED' ? true : undefined), { what: `job ${jobId} to end` });
    // BullMQ ends its span once it has recorded the chunk as completed, just after the job's end.
    await waitFor(() => (spans().filter((s) => s.name === processed).length === 2 ? true : undefined), { what: 'two chunk spans' });
  });

  it('has the job creation in the upload request\'s trace, with its Postgres and Redis calls', () => {
    const creation = spans().find((s) => s.name === 'jabba.job.create' && s.attributes['jabba.job.id'] === jobId);
    expect(creation?.spanContext().traceId).toBe(traceId);
    expect(creation && ancestors(creation)).toEqual(['POST /v1/device-registry-jobs']);
    const underCreation = spans().filter((s) => s.spanContext().traceId === traceId && creation && ancestors(s).includes('jabba.job.create'));
    expect(underCreation.some((s) => s.name.startsWith('pg.query:INSERT'))).toBe(true);
    expect(underCreation.some((s) => s.attributes['db.system'] === 'redis' || s.attributes['db.system.name'] === 'redis')).toBe(true);
  });

  it('runs every chunk in that same trace (a child through BullMQ, not a link), with its queries under the chunk span', () => {
    const chunks = spans().filter((s) => s.name === 'jabba.chunk' && s.attributes['jabba.job.id'] === jobId);
    expect(chunks.map((s) => s.attributes['jabba.chunk.from_seq']).sort()).toEqual([1, 1001]);
    for (const chunk of chunks) {
      expect(chunk.spanContext().traceId).toBe(traceId);
      expect(chunk.links).toEqual([]);
      expect(ancestors(chunk)).toEqual([processed, enqueued, 'jabba.job.create', 'POST /v1/device-registry-jobs']);
      const queries = spans().filter((s) => parentOf(s) === chunk.spanContext().spanId && s.name.startsWith('pg.'));
      expect(queries.length).toBeGreaterThan(0);
    }
  });

  it('logs each chunk\'s lines with its job id and the chunk span\'s trace', () => {
    const chunkSpanIds = new Set(spans().filter((s) => s.name === 'jabba.chunk').map((s) => s.spanContext().spanId));
    const chunkLines = workerLines.filter((l) => l.fromSeq !== undefined);
    expect(chunkLines.map((l) => l.msg).sort()).toEqual(['chunk done', 'chunk done', 'job ended']);
    for (const line of chunkLines) {
      expect(line).toMatchObject({ jobId, traceId });
      expect(chunkSpanIds.has(line.spanId ?? '')).toBe(true);
    }
  });
});

describe('a request sent by a traced caller', () => {
  it('joins the caller\'s trace through its traceparent header', async () => {
    const callerTrace = '4bf92f3577b34da6a3ce929d0e0e4736';
    const response = await api.app.request('/health', { headers: { traceparent: `00-${callerTrace}-00f067aa0ba902b7-01`, 'X-Request-Id': 'traced-caller' } });
    expect(response.status).toBe(200);
    const server = spans().find((s) => s.attributes['jabba.request_id'] === 'traced-caller');
    expect(server?.name).toBe('GET /health');
    expect(server?.spanContext().traceId).toBe(callerTrace);
    expect(server?.parentSpanContext?.spanId).toBe('00f067aa0ba902b7');
  });
});

describe('request ids on every line of a request', () => {
  it('carries the request id on the lines of GraphQL (yoga\'s own included) and of a refused request', async () => {
    const before = apiLines.length;
    const graphql = await api.app.request('/graphql', {
      method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Request-Id': 'graphql-request', ...writer.headers }, body: JSON.stringify({ query: '{ viewer { id' }),
    });
    expect(((await graphql.json()) as { errors: { message: string }[] }).errors[0]?.message).toBe('Syntax Error: Expected Name, found <EOF>.');
    const graphqlLines = apiLines.slice(before);
    expect(graphqlLines.filter((l) => l.msg === 'yoga').length).toBeGreaterThan(0);
    expect(graphqlLines.filter((l) => l.requestId !== 'graphql-request')).toEqual([]);

    const refusedAt = apiLines.length;
    const refused = await api.app.request('/v1/device-registry-jobs?registerType=NOPE', { method: 'POST', headers: { 'X-Request-Id': 'refused-upload', 'Content-Type': 'text/csv' }, body: csv });
    expect(refused.status).toBe(401);
    const refusedLines = apiLines.slice(refusedAt);
    expect(refusedLines.map((l) => l.msg)).toContain('request');
    expect(refusedLines.filter((l) => l.requestId !== 'refused-upload')).toEqual([]);
  });
});
