/**
 * `GET /metrics` and the request timing behind it. Who may scrape: with METRICS_TOKEN set, a caller
 * presenting it as `Authorization: Bearer <token>`, from anywhere; without it, only a caller on this
 * machine (the socket's peer is loopback) and not relayed by a proxy (no Forwarded/X-Forwarded-For
 * header), since a proxy on the same host would make every internet caller look local.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Context, MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import { DomainError } from '@jabba/domain/platform';
import type { ApiMetrics } from './metrics';
import type { AppEnv } from './request-scope';
import { bearerAuth, createRoute, documented, openApiRoutes, problems, type OpenApiRoutes, z } from './openapi';

/** The label of a request no route answered (404s, refusals before routing): one value, however many paths. */
export const unmatchedRoute = '(unmatched)';

/** The pattern of the route that answered, e.g. `/v1/jobs/:id`; never the path itself, so labels stay few. */
function routeOf(c: Context<AppEnv>): string {
  const matched = matchedRoutes(c);
  const answering = matched[c.req.routeIndex];
  if (answering && answering.method !== 'ALL') return answering.path;
  // A middleware answered (a body limit): the route it guards, if any.
  return matched.find((r) => r.method !== 'ALL')?.path ?? unmatchedRoute;
}

/** First middleware but the request id: its duration covers everything else, the error handler included. */
export function timeRequests(metrics: ApiMetrics): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const end = metrics.httpDuration.startTimer();
    try {
      await next();
    } finally {
      end({ method: c.req.method, route: routeOf(c), status: String(c.res.status) });
    }
  };
}

const digest = (value: string) => createHash('sha256').update(value).digest();

const loopback = (address: string | undefined) =>
  address !== undefined && (address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.'));

function mayScrape(c: Context<AppEnv>, token: string | undefined): void {
  if (token !== undefined) {
    const presented = /^Bearer (.+)$/.exec(c.req.header('Authorization') ?? '')?.[1];
    // Hashes have one length, so the comparison takes the same time whatever was sent.
    if (presented === undefined || !timingSafeEqual(digest(presented), digest(token))) {
      throw new DomainError('UNAUTHENTICATED', 'Metrics need the bearer token set in METRICS_TOKEN');
    }
    return;
  }
  const peer = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming?.socket.remoteAddress;
  const relayed = c.req.header('Forwarded') !== undefined || c.req.header('X-Forwarded-For') !== undefined;
  if (!loopback(peer) || relayed) {
    throw new DomainError('FORBIDDEN', 'Metrics are served to this machine only unless METRICS_TOKEN is set');
  }
}

const scrape = createRoute({
  method: 'get', path: '/metrics', tags: ['Operations'], summary: 'Prometheus metrics',
  description: 'With METRICS_TOKEN set: for its bearer (`Authorization: Bearer <METRICS_TOKEN>`, not a user token). Without it: for a caller on this machine not relayed by a proxy.',
  security: [{}, { [bearerAuth]: [] }],
  responses: {
    200: { description: 'The Prometheus text format', content: { 'text/plain': { schema: z.string() } } },
    ...problems(401, 403),
  },
});

export function metricsRoutes(metrics: ApiMetrics, token: string | undefined): OpenApiRoutes {
  const routes = openApiRoutes();
  documented(routes, scrape, async (c) => {
    mayScrape(c, token);
    return c.body(await metrics.registry.metrics(), 200, { 'Content-Type': metrics.registry.contentType, 'Cache-Control': 'no-store' });
  });
  return routes;
}
