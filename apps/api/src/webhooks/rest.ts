/**
 * Webhook endpoints over REST (issue 13): register (the signing secret is answered once), list,
 * delete, rotate the secret, and read an endpoint's deliveries. Every endpoint belongs to the
 * caller's client; another client's is not found. Each route is documented in /openapi.json with
 * the schemas its handler validates and answers with.
 */
import {
  checkEndpointUrl, createEndpoint, deleteEndpoint, deliveryStatuses, findEndpoint, listEndpoints, manageWebhooks, maxWebhookUrlLength,
  pageDeliveries, readWebhooks, rotateSecret, webhookEventTypes, webhookNotFound, type DeliveryRow, type EndpointRow,
} from '@jabba/domain/webhooks';
import { isUuid } from '@jabba/domain/platform';
import type { ApiDeps } from '../platform/deps';
import { jsonBody, validated } from '../platform/json-body';
import { creationKeyCodec, creationKeyOf, maxPageSize, pageWindow, toConnection } from '../platform/pages';
import type { RequestContext } from '../platform/request-context';
import { createRoute, documented, jsonRequest, jsonResponse, needsToken, openApiRoutes, pathParam, problems, type OpenApiRoutes, z } from '../platform/openapi';

const urlMessage = `must be an absolute http or https URL of at most ${maxWebhookUrlLength} characters, without user or password`;

/** Syntax only; where the host resolves to is checked after (checkEndpointUrl), with the SSRF rule. */
const endpointUrl = z.string({ error: (issue) => (issue.input === undefined ? 'is required' : urlMessage) })
  .max(maxWebhookUrlLength, urlMessage)
  .transform((value, ctx) => {
    const url = URL.canParse(value) ? new URL(value) : null;
    if (!url || !['http:', 'https:'].includes(url.protocol) || url.hostname === '' || url.username !== '' || url.password !== '') {
      ctx.issues.push({ code: 'custom', message: urlMessage, input: value });
      return z.NEVER;
    }
    return url.href;
  })
  .refine((href) => href.length <= maxWebhookUrlLength, urlMessage);

const eventsMessage = `must be a non-empty list of: ${webhookEventTypes.join(', ')}`;

export const createWebhookRequest = z.object({
  url: endpointUrl,
  events: z.array(z.enum(webhookEventTypes, { error: `must be one of: ${webhookEventTypes.join(', ')}` }), { error: eventsMessage })
    .min(1, eventsMessage).max(10, eventsMessage),
}, { error: 'must be a JSON object' });

export const webhookEndpointResponse = z.strictObject({
  id: z.uuid(),
  url: z.string(),
  events: z.array(z.enum(webhookEventTypes)),
  /** Set once the receiver answered 410 Gone: nothing more is delivered to it. */
  disabledAt: z.string().nullable(),
  disabledReason: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  links: z.strictObject({ self: z.string(), deliveries: z.string(), rotateSecret: z.string() }),
});
export type WebhookEndpointView = z.infer<typeof webhookEndpointResponse>;

/** Registration's answer: the endpoint and its secret, which no later answer shows again. */
export const createWebhookResponse = webhookEndpointResponse.extend({ secret: z.string().startsWith('whsec_') });

export const listWebhooksResponse = z.strictObject({ items: z.array(webhookEndpointResponse) });

export const rotateSecretResponse = z.strictObject({
  id: z.uuid(),
  secret: z.string().startsWith('whsec_'),
  /** Until then deliveries are signed with the new secret and the replaced one. */
  previousSecretValidUntil: z.string(),
});

const firstMessage = `must be an integer from 1 to ${maxPageSize}`;
export const listDeliveriesRequest = z.object({
  first: z.coerce.number({ error: firstMessage }).int(firstMessage).min(1, firstMessage).max(maxPageSize, firstMessage).optional(),
  after: z.string().max(1000).optional(),
});

export const deliveryResponse = z.strictObject({
  id: z.uuid(),
  /** The `webhook-id` header: the same on every attempt, and for every endpoint the event went to. */
  eventId: z.uuid(),
  event: z.enum(webhookEventTypes),
  status: z.enum(deliveryStatuses),
  attempts: z.number().int(),
  lastError: z.string().nullable(),
  lastResponseStatus: z.number().int().nullable(),
  lastAttemptAt: z.string().nullable(),
  deliveredAt: z.string().nullable(),
  failedAt: z.string().nullable(),
  createdAt: z.string(),
  payload: z.record(z.string(), z.unknown()),
});

export const listDeliveriesResponse = z.strictObject({ items: z.array(deliveryResponse), nextCursor: z.string().nullable() });

const webhookPath = (id: string): string => `/v1/webhooks/${id}`;

const endpointView = (e: EndpointRow): WebhookEndpointView => ({
  id: e.id,
  url: e.url,
  events: e.events,
  disabledAt: e.disabledAt,
  disabledReason: e.disabledReason,
  createdAt: e.insertedAt,
  updatedAt: e.updatedAt,
  links: { self: webhookPath(e.id), deliveries: `${webhookPath(e.id)}/deliveries`, rotateSecret: `${webhookPath(e.id)}/rotate-secret` },
});

const deliveryView = (d: DeliveryRow): z.infer<typeof deliveryResponse> => ({
  id: d.id,
  eventId: d.eventId,
  event: d.eventType,
  status: d.status,
  attempts: d.attempts,
  lastError: d.lastError,
  lastResponseStatus: d.lastResponseStatus,
  lastAttemptAt: d.lastAttemptAt,
  deliveredAt: d.deliveredAt,
  failedAt: d.failedAt,
  createdAt: d.insertedAt,
  payload: d.payload,
});

/** An endpoint id from the path, after the checks: a malformed one is the id of nothing (404). */
const pathId = (raw: string): string => {
  if (!isUuid(raw)) throw webhookNotFound(raw);
  return raw.toLowerCase();
};

const callerClient = async (ctx: RequestContext, checks: typeof readWebhooks): Promise<string> => (await ctx.authorize(checks)).client.id;

const tags = ['Webhooks'];
const webhookId = pathParam('webhookId', 'The endpoint\'s uuid');

const register = createRoute({
  method: 'post', path: '/v1/webhooks', tags, security: needsToken, summary: 'Register an endpoint; its signing secret is answered once',
  request: jsonRequest(createWebhookRequest),
  responses: { 201: jsonResponse(createWebhookResponse, 'Registered', { Location: 'The endpoint' }), ...problems(400, 401, 403, 409, 413, 422, 503) },
});

const list = createRoute({
  method: 'get', path: '/v1/webhooks', tags, security: needsToken, summary: 'The caller\'s client\'s endpoints (no secrets)',
  responses: { 200: jsonResponse(listWebhooksResponse, 'Every endpoint'), ...problems(401, 403, 503) },
});

const remove = createRoute({
  method: 'delete', path: '/v1/webhooks/{webhookId}', tags, security: needsToken, summary: 'Delete an endpoint and its deliveries',
  request: { params: webhookId },
  responses: { 204: { description: 'Deleted' }, ...problems(401, 403, 404, 503) },
});

const rotate = createRoute({
  method: 'post', path: '/v1/webhooks/{webhookId}/rotate-secret', tags, security: needsToken,
  summary: 'A new signing secret, answered once; the replaced one also signs for 24 hours',
  request: { params: webhookId },
  responses: { 200: jsonResponse(rotateSecretResponse, 'Rotated'), ...problems(401, 403, 404, 503) },
});

const deliveries = createRoute({
  method: 'get', path: '/v1/webhooks/{webhookId}/deliveries', tags, security: needsToken, summary: 'An endpoint\'s deliveries, newest first',
  request: { params: webhookId, query: listDeliveriesRequest },
  responses: { 200: jsonResponse(listDeliveriesResponse, 'A page'), ...problems(401, 403, 404, 422, 503) },
});

export function webhookRoutes(deps: ApiDeps): OpenApiRoutes {
  const routes = openApiRoutes();
  const allowPrivate = deps.config.WEBHOOK_ALLOW_PRIVATE;

  documented(routes, register, async (c) => {
    const ctx = c.var.requestContext;
    const clientId = await callerClient(ctx, manageWebhooks);
    const { url, events } = await jsonBody(c, createWebhookRequest);
    await checkEndpointUrl(url, { allowPrivate });
    const endpoint = await createEndpoint(ctx.em, { clientId, url, events });
    c.header('Location', webhookPath(endpoint.id));
    c.header('Cache-Control', 'no-store');
    return c.json(createWebhookResponse.parse({ ...endpointView(endpoint), secret: endpoint.secret }), 201);
  });

  documented(routes, list, async (c) => {
    const ctx = c.var.requestContext;
    const clientId = await callerClient(ctx, readWebhooks);
    return c.json({ items: (await listEndpoints(ctx.em, clientId)).map(endpointView) });
  });

  documented(routes, remove, async (c) => {
    const ctx = c.var.requestContext;
    const clientId = await callerClient(ctx, manageWebhooks);
    await deleteEndpoint(ctx.em, clientId, pathId(c.req.param('webhookId')!));
    return c.body(null, 204);
  });

  documented(routes, rotate, async (c) => {
    const ctx = c.var.requestContext;
    const clientId = await callerClient(ctx, manageWebhooks);
    const endpoint = await rotateSecret(ctx.em, clientId, pathId(c.req.param('webhookId')!), new Date());
    c.header('Cache-Control', 'no-store');
    return c.json({ id: endpoint.id, secret: endpoint.secret, previousSecretValidUntil: endpoint.previousSecretUntil! });
  });

  documented(routes, deliveries, async (c) => {
    const ctx = c.var.requestContext;
    const clientId = await callerClient(ctx, readWebhooks);
    const endpoint = await findEndpoint(ctx.em, clientId, pathId(c.req.param('webhookId')!));
    const query = validated(listDeliveriesRequest, c.req.query());
    const window = pageWindow({ first: query.first ?? null, after: query.after ?? null }, creationKeyCodec);
    const page = await pageDeliveries(ctx.em, { endpointId: endpoint.id, after: window.after, limit: window.limit });
    const connection = toConnection(page, window, creationKeyOf, creationKeyCodec);
    return c.json({
      items: connection.nodes.map(deliveryView),
      nextCursor: connection.pageInfo.hasNextPage ? connection.pageInfo.endCursor : null,
    });
  });

  return routes;
}
