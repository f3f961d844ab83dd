/**
 * Destination status changes through the queue (SPEC §4, issue 4): `PATCH /v1/destinations/{id}`
 * and the bulk `POST /v1/destination-transitions`. The api checks what it can at once (scope,
 * existence, the transition table), then records the change as a jabba job that a worker applies
 * under the destination's row lock, so two PATCHes racing on one destination never both apply.
 * PATCH waits for its job by polling the job row: no Redis subscription per app, and a 20 ms read
 * of one row is nothing next to the worker's round trip.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { assertTransition, destinationNotFound, type DestinationStatus, destinationStatuses, findDestination, manageDestination, manageDestinations, maxBulkTransition, stateOf, submitTransitions } from '@jabba/domain/destinations';
import { domainErrorOf, findJob, pageTasks, type JobRecord, type JobRow } from '@jabba/domain/engine';
import { DomainError } from '@jabba/domain/platform';
import type { ApiDeps } from '../platform/deps';
import { acceptedJob, acceptedJobSchema, jobPath } from '../jobs/job-view';
import { jsonBody } from '../platform/json-body';
import type { RequestContext } from '../platform/request-context';
import { pathDestinationId } from './rest';
import { destinationSchema, destinationView } from './view';
import { createRoute, documented, jsonRequest, jsonResponse, needsToken, openApiRoutes, pathParam, problems, type OpenApiRoutes, z } from '../platform/openapi';

const statusMessage = { error: `must be one of ${destinationStatuses.filter((s) => s !== 'created').join(', ')}` };
const jsonObject = { error: 'must be a JSON object' };

// `created` passes the body check on purpose: it is a status, just never a target, which the
// transition table says (destination-state-invalid), as for any other refused transition.
const patchBody = z.object({ status: z.enum(destinationStatuses, statusMessage) }, jsonObject);

const bulkBody = z.object(
  {
    destinationIds: z
      .array(z.uuid({ error: 'must be a uuid' }), { error: 'must be an array of destination ids' })
      .min(1, 'must not be empty')
      .max(maxBulkTransition, `must hold at most ${maxBulkTransition} ids`),
    status: z.enum(destinationStatuses, statusMessage),
  },
  jsonObject,
);

/** Submits the transitions as the caller's job. */
async function transitionJob(ctx: RequestContext, deps: ApiDeps, status: DestinationStatus, destinationIds: string[]): Promise<JobRecord> {
  const principal = await ctx.authenticate();
  const { job } = await submitTransitions(ctx.em, deps.tasksQueue, {
    clientId: principal.client.id, userId: principal.token.userId, reach: 'destination', status, destinationIds,
  });
  return job;
}

const pollEveryMs = 20;

/** The job once it has ended, or null if it is still running after `waitMs`. */
async function endedJob(ctx: RequestContext, jobId: string, waitMs: number): Promise<JobRow | null> {
  const deadline = performance.now() + waitMs;
  for (;;) {
    const job = await findJob(ctx.em, jobId);
    if (job && job.status !== 'PENDING') return job;
    const left = deadline - performance.now();
    if (left <= 0) return null;
    await sleep(Math.min(pollEveryMs, left));
  }
}

/** Why the PATCH's one task did not apply, as the error the request fails with. */
async function failureOf(ctx: RequestContext, job: JobRow): Promise<Error> {
  const { rows: [task] } = await pageTasks(ctx.em, { jobId: job.id, order: 'SEQ_ASC', limit: 1, fromEnd: false });
  if (task?.status === 'ABORTED') return new DomainError('CONFLICT', `Job ${job.id} was cancelled before the transition ran`);
  // The task keeps the worker's DomainError, problem type included: answer with that very error.
  const decided = task?.error ? domainErrorOf(task.error) : null;
  // RESCUED: an exception in the worker, which the error handler masks as a 500.
  return decided ?? new Error(`transition job ${job.id} ended with task ${task?.status ?? 'missing'}: ${task?.error?.message ?? 'no error'}`);
}

const tags = ['Destinations'];

const patch = createRoute({
  method: 'patch', path: '/v1/destinations/{destinationId}', tags, security: needsToken, summary: 'Change a destination\'s status',
  description: 'Applied by a worker under the destination\'s lock: 200 once applied, or 202 with the job if it has not ended within DESTINATION_PATCH_WAIT_MS.',
  request: { params: pathParam('destinationId', 'The destination\'s uuid'), ...jsonRequest(patchBody) },
  responses: {
    200: jsonResponse(destinationSchema, 'Changed'),
    202: jsonResponse(acceptedJobSchema, 'Still running: follow the job', { Location: 'The job' }),
    ...problems(400, 401, 403, 404, 409, 413, 422, 503),
  },
});

const bulk = createRoute({
  method: 'post', path: '/v1/destination-transitions', tags, security: needsToken, summary: 'Change many destinations\' status, as one job',
  request: jsonRequest(bulkBody),
  responses: { 202: jsonResponse(acceptedJobSchema, 'Submitted', { Location: 'The job' }), ...problems(400, 401, 403, 413, 422, 503) },
});

export function destinationTransitionRoutes(deps: ApiDeps): OpenApiRoutes {
  const routes = openApiRoutes();
  const rules = { minInactiveDays: deps.config.DESTINATION_MIN_INACTIVE_DAYS };

  documented(routes, patch, async (c) => {
    const ctx = c.var.requestContext;
    const id = await pathDestinationId(ctx, c.req.param('destinationId')!);
    await ctx.authorize(manageDestination(id));
    const { status } = await jsonBody(c, patchBody);
    const destination = await findDestination(ctx.em, id);
    if (!destination) throw destinationNotFound(id);
    // Refuse at once what the table refuses now; the worker asks again under the lock.
    assertTransition(stateOf(destination), status, new Date(), rules);

    const submitted = await transitionJob(ctx, deps, status, [id]);
    const job = await endedJob(ctx, submitted.id, deps.config.DESTINATION_PATCH_WAIT_MS);
    if (!job) {
      c.header('Location', jobPath(submitted.id));
      return c.json(acceptedJob(submitted), 202);
    }
    if (job.status === 'FAILED') throw await failureOf(ctx, job);
    const changed = await findDestination(ctx.em, id);
    if (!changed) throw destinationNotFound(id);
    return c.json(destinationView(changed, rules));
  });

  documented(routes, bulk, async (c) => {
    const ctx = c.var.requestContext;
    await ctx.authenticate();
    const { destinationIds, status } = await jsonBody(c, bulkBody);
    // Every destination's own scope, as for a PATCH of each: one missing refuses the whole request
    // (403 naming every missing scope) before any job exists.
    const ids = [...new Set(destinationIds.map((id) => id.toLowerCase()))];
    await ctx.authorize(manageDestinations(ids));
    const job = await transitionJob(ctx, deps, status, ids);
    c.header('Location', jobPath(job.id));
    return c.json(acceptedJob(job), 202);
  });

  return routes;
}
