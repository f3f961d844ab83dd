/**
 * The server span of each request, while tracing is on: main imports this module only then, and
 * app.ts mounts it first, so everything a request does (the job it creates, the Postgres and Redis
 * calls, every log line) happens inside it. Written here rather than taken from @hono/otel, which
 * records the full URL: query strings may carry personal data (an upload's `reason`), and the
 * access log keeps the path only for the same reason.
 */
import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import type { AppEnv } from './request-scope';

export function traceRequests(): MiddlewareHandler<AppEnv> {
  const tracer = trace.getTracer('jabba.api');
  return async (c, next) => {
    // A caller's `traceparent` (a gateway, another traced service) makes the request part of its trace.
    const parent = propagation.extract(context.active(), c.req.header());
    const attributes = { 'http.request.method': c.req.method, 'url.path': c.req.path };
    await tracer.startActiveSpan(c.req.method, { kind: SpanKind.SERVER, attributes }, parent, async (span) => {
      try {
        await next();
      } finally {
        // Known once routed: the pattern (`/v1/jobs/:id`), which keeps span names few.
        const route = routePath(c);
        span.updateName(`${c.req.method} ${route}`);
        span.setAttributes({ 'http.route': route, 'http.response.status_code': c.res.status, 'jabba.request_id': c.var.requestId });
        // Errors were turned into problem responses by app.onError: the status says what happened.
        if (c.res.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
        span.end();
      }
    });
  };
}
