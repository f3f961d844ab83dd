/**
 * REST for pollers and scripts: a job's status (`GET /v1/jobs/{id}`) and its live progress as
 * Server-Sent Events (`/events`), its error report as a CSV the user can fix and upload again,
 * cancel and retry-failed. Access is the job type's own, from the
 * table GraphQL shares (auth/job-access.ts); another client's job is a 404 like a missing one.
 */
import { Hono, type Context } from 'hono';
import { cancelJob, findJob, type JobRow, retryJob, type TaskErrorLine, taskErrors } from '@jabba/domain/engine';
import { csvLine, csvLineEnd, inertCell, inertRecord } from '@jabba/domain/csv';
import { DomainError, isUuid, type Logger } from '@jabba/domain/platform';
import type { ApiDeps } from '../platform/deps';
import { jobForCaller, mayRead } from './access';
import type { RequestContext } from '../platform/request-context';
import { acceptedJob, type AcceptedJob, csvHeaderOf, jobPath, jobView, type JobView } from './job-view';
import type { AppEnv } from '../platform/request-scope';
import { jobEventStream, lastEventIdOf } from './event-stream';

const jobNotFound = (id: string): DomainError => new DomainError('NOT_FOUND', `Job ${id} not found`);

/**
 * The job behind `{id}` if the caller may see it, else a 404. The token is checked first, so an
 * anonymous caller learns nothing from the id; a malformed id is simply a job that does not exist
 * (and never reaches Postgres as a bad uuid).
 */
async function callerJob(ctx: RequestContext, id: string, mode: 'read' | 'write'): Promise<JobRow> {
  await ctx.authenticate();
  const job = isUuid(id) ? await jobForCaller(ctx, id.toLowerCase(), mode) : null;
  if (!job) throw jobNotFound(id);
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
 * With the upload's header the report is that file's records with three columns in front, so
 * dropping those columns gives a file to fix and upload again. A job without one (a type that does
 * not come from a CSV) gets the three columns alone: its input is not a CSV record.
 */
const reportHeader = (csvHeader: string | null): string =>
  (csvHeader === null ? csvLine(reportColumns) : `${csvLine(reportColumns)},${csvHeader}`) + csvLineEnd;

/**
 * `raw`: the records exactly as uploaded, for fixing and uploading again. Otherwise every cell that
 * a spreadsheet would run as a formula is neutralised, so opening the report runs nothing.
 */
function reportLine(task: TaskErrorLine, withInput: boolean, raw: boolean): string {
  const message = task.message ?? '';
  const front = csvLine([task.csvDataLine === null ? '' : String(task.csvDataLine), task.code ?? '', raw ? message : inertCell(message)]);
  // The input is already a CSV record for the header's columns, quotes and line breaks included.
  const input = task.input ?? '';
  return (withInput ? `${front},${raw ? input : inertRecord(input)}` : front) + csvLineEnd;
}

// Lines are gathered into writes of about this many characters: one write per line would cost
// more in stream overhead than the lines themselves.
const flushAt = 1 << 16;

/**
 * A pull stream: the next batch is read only when the client has taken the previous text, so
 * memory stays flat however many tasks failed, and a client that goes away stops the reads.
 */
function errorReport(lines: AsyncGenerator<TaskErrorLine>, csvHeader: string | null, raw: boolean, logger: Logger): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let header: string | null = reportHeader(csvHeader);
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
          text += reportLine(next.value, csvHeader !== null, raw);
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

export function jobRoutes(deps: ApiDeps): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();

  routes.get('/v1/jobs/:id', async (c) => {
    const job = await callerJob(c.var.requestContext, c.req.param('id'), 'read');
    noStore(c);
    return c.json(jobView(job));
  });

  routes.get('/v1/jobs/:id/events', async (c) => {
    const ctx = c.var.requestContext;
    const job = await callerJob(ctx, c.req.param('id'), 'read');
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

  routes.get('/v1/jobs/:id/errors.csv', async (c) => {
    const ctx = c.var.requestContext;
    const job = await callerJob(ctx, c.req.param('id'), 'read');
    noStore(c);
    c.header('Content-Type', 'text/csv; charset=utf-8');
    c.header('Content-Disposition', `attachment; filename="${job.id}-errors.csv"`);
    // `?raw=true`: the records byte for byte, to fix and upload again; see README.
    const raw = c.req.query('raw') === 'true';
    return c.body(errorReport(taskErrors(ctx.em, job.id), csvHeaderOf(job), raw, c.var.logger));
  });

  routes.post('/v1/jobs/:id/cancel', async (c) => {
    const ctx = c.var.requestContext;
    const job = await callerJob(ctx, c.req.param('id'), 'write');
    await cancelJob(ctx.em, job.id);
    noStore(c);
    return c.json(await current(ctx, job.id));
  });

  routes.post('/v1/jobs/:id/retry-failed', async (c) => {
    const ctx = c.var.requestContext;
    const job = await callerJob(ctx, c.req.param('id'), 'write');
    await retryJob(ctx.em, deps.tasksQueue, job.id);
    noStore(c);
    c.header('Location', jobPath(job.id));
    return c.json(await current(ctx, job.id), 202);
  });

  return routes;
}
