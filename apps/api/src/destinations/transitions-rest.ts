/**
 * Destination status changes through the queue (SPEC §4, issue 4): `PATCH /v1/destinations/{id}`
 * and the bulk `POST /v1/destination-transitions`. The api checks what it can at once (scope,
 * existence, the transition table), then records the change as a jabba job that a worker applies
 * under the destination's row lock, so two PATCHes racing on one destination never both apply.
 * PATCH waits for its job by polling the job row: no Redis subscription per app, and a 20 ms read
 * of one row is nothing next to the worker's round trip.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Hono } from 'hono';
import { z } from 'zod';
import { findDestination, stateOf } from '@jabba/domain/destinations/destination-rows';
import { findJob, pageTasks, type JobRow } from '@jabba/domain/engine/job-reads';
import { jobTypes } from '@jabba/domain/engine/catalog';
import { submitJob } from '@jabba/domain/engine/submit';
import { assertTransition, destinationNotFound, destinationStateInvalid, destinationStatuses } from '@jabba/domain/destinations/rules';
import {
  destinationTransitionJobName, destinationTransitionJobType, destinationTransitionTaskName, maxBulkTransition,
  type DestinationTransitionJobMeta, type DestinationTransitionTaskMeta,
} from '@jabba/domain/destinations/job-contracts';
import { DomainError, errorCodes, type ErrorCode } from '@jabba/domain/platform/errors';
import type { ApiDeps } from '../app';
import { requireScope } from '@jabba/domain/identity/checks';
import type { Principal } from '@jabba/domain/identity/principal';
import type { RequestContext } from '../platform/request-context';
import { jobPath } from '../jobs/job-view';
import { destinationView } from './view';
import { createDestinationScope, manageDestinationScope, pathDestinationId } from './rest';
import { jsonBody } from '../platform/json-body';
import type { AppEnv } from '../platform/request-scope';

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

interface Transitions {
  principal: Principal;
  meta: DestinationTransitionJobMeta;
  tasks: DestinationTransitionTaskMeta[];
}

async function submitTransitions(ctx: RequestContext, deps: ApiDeps, t: Transitions): Promise<string> {
  const { strategy, chunkSize } = jobTypes[destinationTransitionJobType];
  const { job } = await submitJob(ctx.em, deps.tasksQueue, {
    type: destinationTransitionJobType,
    name: destinationTransitionJobName,
    strategy,
    chunkSize,
    meta: t.meta,
    clientId: t.principal.client.id,
    userId: t.principal.token.userId,
    tasks: t.tasks.map((meta) => ({ name: destinationTransitionTaskName, meta })),
  });
  return job.id;
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

// A task's error code is the problem type's name when the error had one (task-executor.ts): turn
// it back into that very error, so a PATCH answers exactly what the worker decided.
const problemsByTaskCode: Readonly<Record<string, (destinationId: string) => DomainError>> = {
  'destination-state-invalid': destinationStateInvalid,
  'destination-not-found': destinationNotFound,
};

const isErrorCode = (code: string): code is ErrorCode => (errorCodes as readonly string[]).includes(code);

/** Why the PATCH's one task did not apply, as the error the request fails with. */
async function failureOf(ctx: RequestContext, job: JobRow, destinationId: string): Promise<Error> {
  const { rows: [task] } = await pageTasks(ctx.em, { jobId: job.id, order: 'SEQ_ASC', limit: 1, fromEnd: false });
  if (task?.status === 'ABORTED') return new DomainError('CONFLICT', `Job ${job.id} was cancelled before the transition ran`);
  const code = task?.error?.extensions.code ?? '';
  const problem = Object.hasOwn(problemsByTaskCode, code) ? problemsByTaskCode[code] : undefined;
  if (problem) return problem(destinationId);
  if (isErrorCode(code)) return new DomainError(code, task?.error?.message ?? 'The transition failed');
  // RESCUED: an exception in the worker, which the error handler masks as a 500.
  return new Error(`transition job ${job.id} ended with task ${task?.status ?? 'missing'}: ${task?.error?.message ?? 'no error'}`);
}

export function destinationTransitionRoutes(deps: ApiDeps): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  const rules = { minInactiveDays: deps.config.DESTINATION_MIN_INACTIVE_DAYS };

  routes.patch('/v1/destinations/:destinationId', async (c) => {
    const ctx = c.var.requestContext;
    const id = await pathDestinationId(ctx, c.req.param('destinationId'));
    const principal = await ctx.authorize([requireScope(manageDestinationScope(id))]);
    const { status } = await jsonBody(c, patchBody);
    const destination = await findDestination(ctx.em, id);
    if (!destination) throw destinationNotFound(id);
    // Refuse at once what the table refuses now; the worker asks again under the lock.
    assertTransition(stateOf(destination), status, new Date(), rules);

    const jobId = await submitTransitions(ctx, deps, {
      principal, meta: { reach: 'destination', status }, tasks: [{ destinationId: id, status }],
    });
    const job = await endedJob(ctx, jobId, deps.config.DESTINATION_PATCH_WAIT_MS);
    if (!job) {
      c.header('Location', jobPath(jobId));
      return c.json({ jobId, status: 'PENDING' as const }, 202);
    }
    if (job.status === 'FAILED') throw await failureOf(ctx, job, id);
    const changed = await findDestination(ctx.em, id);
    if (!changed) throw destinationNotFound(id);
    return c.json(destinationView(changed));
  });

  routes.post('/v1/destination-transitions', async (c) => {
    const ctx = c.var.requestContext;
    const principal = await ctx.authorize([requireScope(createDestinationScope)]);
    const { destinationIds, status } = await jsonBody(c, bulkBody);
    // One task per destination, in id order: every transition job locks destinations in that
    // order, so two bulk jobs over the same destinations wait for each other instead of deadlocking.
    const ids = [...new Set(destinationIds.map((d) => d.toLowerCase()))].sort();
    const tasks = ids.map((destinationId): DestinationTransitionTaskMeta => ({ destinationId, status }));
    const jobId = await submitTransitions(ctx, deps, { principal, meta: { reach: 'client', status }, tasks });
    c.header('Location', jobPath(jobId));
    return c.json({ jobId }, 202);
  });

  return routes;
}
