/**
 * REST for pollers and scripts: a job's status (`GET /v1/jobs/{id}`) and its live progress as
 * Server-Sent Events (`/events`), its error report as a CSV the user can fix and upload again,
 * cancel and retry-failed. Access is the job type's own, from the
 * table GraphQL shares (auth/job-access.ts); another client's job is a 404 like a missing one.
 */
import type { Context } from 'hono';
import { cancelJob, findJob, type JobRow, retryJob, type TaskErrorLine, taskErrors } from '@jabba/domain/engine';
import { csvLine, csvLineEnd, inertCell, inertRecord } from '@jabba/domain/csv';
import { DomainError, isUuid, type Logger } from '@jabba/domain/platform';
import type { ApiDeps } from '../platform/deps';
import { jobForCaller, jobViewTypes, mayRead } from './access';
import type { RequestContext } from '../platform/request-context';
import { acceptedJob, type AcceptedJob, acceptedJobSchema, csvHeaderOf, jobPath, jobView, type JobView, jobViewSchema } from './job-view';
import type { AppEnv } from '../platform/request-scope';
import { jobEventStream, lastEventIdOf } from './event-stream';
import { fromGlobalId } from '../platform/global-ids';
import { createRoute, documented, jsonResponse, needsToken, openApiRoutes, problems, type OpenApiRoutes, z } from '../platform/openapi';
import { graphqlTypeOfJob } from './job-objects';

const jobNotFound = (id: string): DomainError => new DomainError('NOT_FOUND', `Job ${id} not found`);

/**
 * `{id}` as a job reference: its uuid, or the Relay global id uploads and GraphQL answer with, which
 * names the GraphQL type that renders the job. Null for anything else (another type's global id).
 */
function jobReference(id: string): { databaseId: string; typeName: string | null } | null {
  if (isUuid(id)) return { databaseId: id.toLowerCase(), typeName: null };
  const global = fromGlobalId(id);
  return global && jobViewTypes().has(global.typeName) ? global : null;
}

/**
 * The job behind `{id}` if the caller may see it, else a 404. The token is checked first, so an
 * anonymous caller learns nothing from the id; a malformed id is simply a job that does not exist
 * (and never reaches Postgres as a bad uuid). A global id resolves only under the type that renders
 * the job, as GraphQL's `node(id:)` does.
 */
async function callerJob(ctx: RequestContext, id: string, mode: 'read' | 'write'): Promise<JobRow> {
  await ctx.authenticate();
  const reference = jobReference(id);
  const job = reference ? await jobForCaller(ctx, reference.databaseId, mode) : null;
  if (!reference || !job || (reference.typeName !== null && graphqlTypeOfJob(job.type) !== reference.typeName)) throw jobNotFound(id);
  return job;
}

/**
 * The job as it is now, after a change this request made. Writing never implies reading: a caller
 * who may not read the job gets its id and status only.
 */
async function current(ctx: RequestContext, id: string): Promise<JobView | AcceptedJob> {
  const job = await findJob(ctx.em, id);
  if (!job) throw jobNotFound(id);
  return (await mayRead(ctx, job)) ? jobView(job) : acceptedJob(job);
}

// Counters move while a job runs: a cached answer would show a poller progress that is gone.
const noStore = (c: Context<AppEnv>): void => c.header('Cache-Control', 'no-store');

const reportColumns = ['csv_data_line', 'error_code', 'error_message'];

/**
 * What a report holds: `safe` (the default) and `raw` give the records with the three columns in
 * front, `safe` with every cell a spreadsheet would run as a formula neutralised, `raw` byte for
 * byte; `records` gives the failed records alone under the upload's header, byte for byte: the
 * file to fix and upload again, nothing to drop first.
 */
type ReportForm = 'safe' | 'raw' | 'records';

/**
 * With the upload's header the report is that file's records with three columns in front. A job
 * without one (a type that does not come from a CSV) gets the three columns alone: its input is not
 * a CSV record.
 */
function reportHeader(csvHeader: string | null, form: ReportForm): string {
  if (form === 'records') return `${csvHeader ?? ''}${csvLineEnd}`;
  return (csvHeader === null ? csvLine(reportColumns) : `${csvLine(reportColumns)},${csvHeader}`) + csvLineEnd;
}

function reportLine(task: TaskErrorLine, withInput: boolean, form: ReportForm): string {
  // The input is already a CSV record for the header's columns, quotes and line breaks included.
  const input = task.input ?? '';
  if (form === 'records') return input + csvLineEnd;
  const raw = form === 'raw';
  const message = task.message ?? '';
  const front = csvLine([task.csvDataLine === null ? '' : String(task.csvDataLine), task.code ?? '', raw ? message : inertCell(message)]);
  return (withInput ? `${front},${raw ? input : inertRecord(input)}` : front) + csvLineEnd;
}

// Lines are gathered into writes of about this many characters: one write per line would cost
// more in stream overhead than the lines themselves.
const flushAt = 1 << 16;

/**
 * A pull stream: the next batch is read only when the client has taken the previous text, so
 * memory stays flat however many tasks failed, and a client that goes away stops the reads.
 */
function errorReport(lines: AsyncGenerator<TaskErrorLine>, csvHeader: string | null, form: ReportForm, logger: Logger): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let header: string | null = reportHeader(csvHeader, form);
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      let text = header ?? '';
      header = null;
      try {
        while (text.length < flushAt) {
          const next = await lines.next();
          if (next.done) {
            if (text) controller.enqueue(encoder.encode(text));
            controller.close();
            return;
          }
          text += reportLine(next.value, csvHeader !== null, form);
        }
      } catch (error) {
        // The 200 and part of the file are already out; all that is left is to cut the response
        // short (the client sees a broken transfer, not a complete-looking file) and say why.
        logger.error({ err: error }, 'error report failed while streaming');
        controller.error(error);
        return;
      }
      controller.enqueue(encoder.encode(text));
    },
    async cancel() {
      await lines.return(undefined);
    },
  });
}

const jobId = z.object({
  id: z.string().openapi({
    param: { name: 'id', in: 'path' },
    description: 'The job: its uuid (`databaseId`) or its Relay global id (`id`, as uploads and GraphQL answer). Another type\'s global id, another client\'s job or no job at all is a 404.',
    example: '7f0c1e2a-3b4c-4d5e-8f6a-7b8c9d0e1f2a',
  }),
});

const tags = ['Jobs'];
const readProblems = problems(401, 403, 404, 503);

const getJob = createRoute({
  method: 'get', path: '/v1/jobs/{id}', tags, security: needsToken, summary: 'A job\'s status and progress',
  request: { params: jobId },
  responses: { 200: jsonResponse(jobViewSchema, 'The job'), ...readProblems },
});

const jobEvents = createRoute({
  method: 'get', path: '/v1/jobs/{id}/events', tags, security: needsToken, summary: 'A job\'s progress as Server-Sent Events',
  description: 'Events `progress` (the job as `GET /v1/jobs/{id}` shows it) and a last `end`; resume with `Last-Event-ID`. The stream ends at the token\'s expiry or after SSE_MAX_STREAM_S.',
  request: { params: jobId, headers: z.object({ 'last-event-id': z.string().optional().openapi({ description: 'The id of the last event seen, to resume after it' }) }) },
  responses: { 200: { description: 'The event stream', content: { 'text/event-stream': { schema: z.string() } } }, ...readProblems },
});

const errorsCsv = createRoute({
  method: 'get', path: '/v1/jobs/{id}/errors.csv', tags, security: needsToken, summary: 'The failed records as a CSV to fix and upload again',
  request: {
    params: jobId,
    query: z.object({
      raw: z.enum(['true', 'false']).optional().openapi({ description: '`true`: the records byte for byte; otherwise cells a spreadsheet would run as formulas are neutralised' }),
      records: z.enum(['true', 'false']).optional().openapi({ description: '`true`: only the failed records under the upload\'s header, byte for byte, to fix and upload again (422 for a job that did not come from a CSV)' }),
    }),
  },
  responses: {
    200: { description: '`csv_data_line,error_code,error_message` then the upload\'s own columns; with `records=true` the upload\'s columns alone', content: { 'text/csv': { schema: z.string() } } },
    ...readProblems, ...problems(422),
  },
});

const writeProblems = problems(401, 403, 404, 409, 503);

const cancel = createRoute({
  method: 'post', path: '/v1/jobs/{id}/cancel', tags, security: needsToken, summary: 'Cancel a job\'s unfinished tasks',
  request: { params: jobId },
  responses: { 200: jsonResponse(z.union([jobViewSchema, acceptedJobSchema]), 'The job after cancelling: in full if the caller may read it, else its ids and status'), ...writeProblems },
});

const retryFailed = createRoute({
  method: 'post', path: '/v1/jobs/{id}/retry-failed', tags, security: needsToken, summary: 'Run a job\'s failed tasks again',
  request: { params: jobId },
  responses: { 202: jsonResponse(z.union([jobViewSchema, acceptedJobSchema]), 'Retrying: in full if the caller may read the job, else its ids and status', { Location: 'The job' }), ...writeProblems },
});

export function jobRoutes(deps: ApiDeps): OpenApiRoutes {
  const routes = openApiRoutes();

  documented(routes, getJob, async (c) => {
    const job = await callerJob(c.var.requestContext, c.req.param('id')!, 'read');
    noStore(c);
    return c.json(jobView(job));
  });

  documented(routes, jobEvents, async (c) => {
    const ctx = c.var.requestContext;
    const job = await callerJob(ctx, c.req.param('id')!, 'read');
    const { token } = await ctx.authenticate();
    // A stream outlives no token: past its exp the client must reconnect with a new one.
    const deadlineMs = Math.min(Date.now() + deps.config.SSE_MAX_STREAM_S * 1000, token.expiresAt.getTime());
    const stream = jobEventStream(deps.jobEvents, { job, lastEventId: lastEventIdOf(c.req.header('Last-Event-ID')), deadlineMs });
    noStore(c);
    c.header('Content-Type', 'text/event-stream; charset=utf-8');
    // nginx buffers responses unless told not to; a buffered stream shows nothing live.
    c.header('X-Accel-Buffering', 'no');
    return c.body(stream);
  });

  documented(routes, errorsCsv, async (c) => {
    const ctx = c.var.requestContext;
    const job = await callerJob(ctx, c.req.param('id')!, 'read');
    const form: ReportForm = c.req.query('records') === 'true' ? 'records' : c.req.query('raw') === 'true' ? 'raw' : 'safe';
    const csvHeader = csvHeaderOf(job);
    if (form === 'records' && csvHeader === null) {
      throw new DomainError('UNPROCESSABLE_ENTITY', `Job ${job.id} did not come from a CSV upload: it has no records to give`);
    }
    noStore(c);
    c.header('Content-Type', 'text/csv; charset=utf-8');
    c.header('Content-Disposition', `attachment; filename="${job.id}-${form === 'records' ? 'failed-records' : 'errors'}.csv"`);
    return c.body(errorReport(taskErrors(ctx.em, job.id), csvHeader, form, c.var.logger));
  });

  documented(routes, cancel, async (c) => {
    const ctx = c.var.requestContext;
    const job = await callerJob(ctx, c.req.param('id')!, 'write');
    await cancelJob(ctx.em, job.id);
    noStore(c);
    return c.json(await current(ctx, job.id));
  });

  documented(routes, retryFailed, async (c) => {
    const ctx = c.var.requestContext;
    const job = await callerJob(ctx, c.req.param('id')!, 'write');
    await retryJob(ctx.em, deps.tasksQueue, job.id);
    noStore(c);
    c.header('Location', jobPath(job.id));
    return c.json(await current(ctx, job.id), 202);
  });

  return routes;
}
