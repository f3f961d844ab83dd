/**
 * The delivery service's REST resources (SPEC §4, seed 001): destinations (create, read, list,
 * delete), submissions to a destination (each opens a case), and a case's events and replies.
 * Status changes (PATCH) live with the queue-driven transitions. Whether the destination's state
 * allows a write is decided in the store, under the destination's row lock.
 */
import { addCaseEvent, addCaseReply, caseDestinationId, caseNotFound, createDestination, createDestinations, createSubmission, deleteDestination, destinationNotFound, destinationStatuses, findDestination, listDestinations, manageDestination, pageDestinations, readDestination, sendToDestination } from '@jabba/domain/destinations';
import type { ApiDeps } from '../platform/deps';
import type { RequestContext } from '../platform/request-context';
import { creationKeyCodec, creationKeyOf, maxPageSize, pageWindow, toConnection } from '../platform/pages';
import { isUuid, normalizeDateTime } from '@jabba/domain/platform';
import { caseEventSchema, caseReplySchema, destinationPath, destinationSchema, destinationView, submissionSchema } from './view';
import { jsonBody, validated } from '../platform/json-body';
import { createRoute, documented, jsonRequest, jsonResponse, needsToken, openApiRoutes, pathParam, problems, type OpenApiRoutes, z } from '../platform/openapi';


// zod's own messages name types ("expected string, received undefined"); ours say what to send.
const required = (what: string) => ({ error: (issue: { input: unknown }) => (issue.input === undefined ? 'is required' : `must be ${what}`) });
const jsonObject = { error: 'must be a JSON object' };

const createBody = z.object({ name: z.string(required('a string')).min(1, 'must not be empty').max(255, 'must be at most 255 characters') }, jsonObject);

/** Submissions and replies carry an optional opaque payload. */
const payloadBody = z.object({ payload: z.record(z.string(), z.unknown(), jsonObject).optional() }, jsonObject);

const dateTimeMessage = 'must be an ISO-8601 date-time with a time zone, e.g. 2026-11-22T10:29:32.099359Z';
const eventBody = z.object(
  {
    event: z.string(required('a string')).min(1, 'must not be empty'),
    // Normalised as text, not through a Date, so the microseconds Postgres keeps survive.
    expiresAt: z.string(required(dateTimeMessage.slice('must be '.length))).transform((value, ctx) => {
      const normalized = normalizeDateTime(value);
      if (normalized === null) {
        ctx.issues.push({ code: 'custom', message: dateTimeMessage, input: value });
        return z.NEVER;
      }
      return normalized;
    }),
  },
  jsonObject,
);

const firstMessage = `must be an integer from 1 to ${maxPageSize}`;
const listQuery = z.object({
  status: z.enum(destinationStatuses, { error: `must be one of ${destinationStatuses.join(', ')}` }).optional(),
  first: z.coerce.number({ error: firstMessage }).int(firstMessage).min(1, firstMessage).max(maxPageSize, firstMessage).optional(),
  after: z.string().optional(),
});

/**
 * A destination id from the path, after authentication (so an anonymous caller learns nothing). A
 * malformed id is the id of nothing: 404, and it never reaches Postgres as a bad uuid.
 */
export async function pathDestinationId(ctx: RequestContext, raw: string): Promise<string> {
  await ctx.authenticate();
  if (!isUuid(raw)) throw destinationNotFound(raw);
  return raw.toLowerCase();
}

/** A case id from the path and the destination it belongs to, whose manage scope the caller needs. */
async function authorizeCase(ctx: RequestContext, raw: string): Promise<string> {
  await ctx.authenticate();
  const destinationId = isUuid(raw) ? await caseDestinationId(ctx.em, raw.toLowerCase()) : null;
  if (destinationId === null) throw caseNotFound(raw);
  await ctx.authorize(manageDestination(destinationId));
  return raw.toLowerCase();
}

const tags = ['Destinations'];
const destinationId = pathParam('destinationId', 'The destination\'s uuid');
const caseId = pathParam('caseId', 'The case\'s uuid (from the submission that opened it)');

const create = createRoute({
  method: 'post', path: '/v1/destinations', tags, security: needsToken, summary: 'Create a destination',
  request: jsonRequest(createBody),
  responses: { 201: jsonResponse(destinationSchema, 'Created', { Location: 'The destination' }), ...problems(400, 401, 403, 413, 422, 503) },
});

const list = createRoute({
  method: 'get', path: '/v1/destinations', tags, security: needsToken, summary: 'The caller\'s client\'s destinations, oldest first',
  request: { query: listQuery },
  responses: {
    200: jsonResponse(z.strictObject({ items: z.array(destinationSchema), nextCursor: z.string().nullable().openapi({ description: '`after` for the next page; null on the last' }) }), 'A page'),
    ...problems(401, 403, 422, 503),
  },
});

const read = createRoute({
  method: 'get', path: '/v1/destinations/{destinationId}', tags, security: needsToken, summary: 'A destination',
  request: { params: destinationId },
  responses: { 200: jsonResponse(destinationSchema, 'The destination'), ...problems(401, 403, 404, 503) },
});

const remove = createRoute({
  method: 'delete', path: '/v1/destinations/{destinationId}', tags, security: needsToken, summary: 'Delete a destination (when its state allows)',
  request: { params: destinationId },
  responses: { 204: { description: 'Deleted' }, ...problems(401, 403, 404, 422, 503) },
});

const submit = createRoute({
  method: 'post', path: '/v1/destinations/{destinationId}/submissions', tags, security: needsToken, summary: 'Submit to an active destination, opening a case',
  request: { params: destinationId, ...jsonRequest(payloadBody) },
  responses: { 201: jsonResponse(submissionSchema, 'Submitted'), ...problems(400, 401, 403, 404, 413, 422, 503) },
});

const addEvent = createRoute({
  method: 'post', path: '/v1/cases/{caseId}/events', tags, security: needsToken, summary: 'Add a status event (security event token) to a case',
  request: { params: caseId, ...jsonRequest(eventBody) },
  responses: { 201: jsonResponse(caseEventSchema, 'Added'), ...problems(400, 401, 403, 404, 413, 422, 503) },
});

const reply = createRoute({
  method: 'post', path: '/v1/cases/{caseId}/replies', tags, security: needsToken, summary: 'Reply on a case',
  request: { params: caseId, ...jsonRequest(payloadBody) },
  responses: { 201: jsonResponse(caseReplySchema, 'Added'), ...problems(400, 401, 403, 404, 413, 422, 503) },
});

export function destinationRoutes(deps: ApiDeps): OpenApiRoutes {
  const routes = openApiRoutes();
  const rules = { minInactiveDays: deps.config.DESTINATION_MIN_INACTIVE_DAYS };

  documented(routes, create, async (c) => {
    const ctx = c.var.requestContext;
    const principal = await ctx.authorize(createDestinations);
    const { name } = await jsonBody(c, createBody);
    const destination = await createDestination(ctx.em, { name, clientId: principal.client.id });
    c.header('Location', destinationPath(destination.id));
    return c.json(destinationView(destination, rules), 201);
  });

  documented(routes, list, async (c) => {
    const ctx = c.var.requestContext;
    const principal = await ctx.authorize(listDestinations);
    const query = validated(listQuery, c.req.query());
    const window = pageWindow({ first: query.first ?? null, after: query.after ?? null }, creationKeyCodec);
    // Oldest first, forwards only: REST pages with `first`/`after`, GraphQL has the other directions.
    const page = await pageDestinations(ctx.em, {
      clientId: principal.client.id,
      status: query.status ?? null,
      order: 'INSERTED_AT_ASC',
      after: window.after,
      limit: window.limit,
      fromEnd: false,
    });
    const connection = toConnection(page, window, creationKeyOf, creationKeyCodec);
    return c.json({
      items: connection.nodes.map((row) => destinationView(row, rules)),
      nextCursor: connection.pageInfo.hasNextPage ? connection.pageInfo.endCursor : null,
    });
  });

  documented(routes, read, async (c) => {
    const ctx = c.var.requestContext;
    const id = await pathDestinationId(ctx, c.req.param('destinationId')!);
    await ctx.authorize(readDestination(id));
    const destination = await findDestination(ctx.em, id);
    if (!destination) throw destinationNotFound(id);
    return c.json(destinationView(destination, rules));
  });

  documented(routes, remove, async (c) => {
    const ctx = c.var.requestContext;
    const id = await pathDestinationId(ctx, c.req.param('destinationId')!);
    await ctx.authorize(manageDestination(id));
    await deleteDestination(ctx.em, id);
    return c.body(null, 204);
  });

  documented(routes, submit, async (c) => {
    const ctx = c.var.requestContext;
    const id = await pathDestinationId(ctx, c.req.param('destinationId')!);
    await ctx.authorize(sendToDestination(id));
    const { payload } = await jsonBody(c, payloadBody);
    return c.json(await createSubmission(ctx.em, { destinationId: id, payload }), 201);
  });

  documented(routes, addEvent, async (c) => {
    const ctx = c.var.requestContext;
    const caseId = await authorizeCase(ctx, c.req.param('caseId')!);
    const { event, expiresAt } = await jsonBody(c, eventBody);
    return c.json(await addCaseEvent(ctx.em, { caseId, event, expiresAt }), 201);
  });

  documented(routes, reply, async (c) => {
    const ctx = c.var.requestContext;
    const caseId = await authorizeCase(ctx, c.req.param('caseId')!);
    const { payload } = await jsonBody(c, payloadBody);
    return c.json(await addCaseReply(ctx.em, { caseId, payload }), 201);
  });

  return routes;
}
