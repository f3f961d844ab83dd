/**
 * Per-request scope: a request id on every response, a logger that carries it, an access log line,
 * and one unit of work (`em.fork()` + RequestContext) that routes and GraphQL resolvers share.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { MiddlewareHandler } from 'hono';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { TokenVerifier } from '@jabba/domain/identity';
import type { Logger } from '@jabba/domain/platform';
import { createRequestContext, type RequestContext } from './request-context';

export interface AppVariables {
  requestId: string;
  logger: Logger;
  em: EntityManager;
  requestContext: RequestContext;
}

export interface AppEnv {
  Variables: AppVariables;
}

export const requestIdHeader = 'X-Request-Id';

// Callers (a gateway, a client retrying) may pass their own id so logs join up across systems; it
// is echoed into headers and logs, so anything beyond a plain token is replaced, not trusted.
const acceptableRequestId = /^[A-Za-z0-9._-]{1,128}$/;

export const pickRequestId = (incoming: string | undefined): string =>
  incoming !== undefined && acceptableRequestId.test(incoming) ? incoming : randomUUID();

const requestLoggers = new AsyncLocalStorage<Logger>();

/**
 * The logger of the request being handled, for code that was handed the process's logger when it was
 * built (yoga's own logging is configured once per server, not per request).
 */
export const currentRequestLogger = (): Logger | undefined => requestLoggers.getStore();

/**
 * Must be the first middleware: everything after it, the error handler and the not-found handler
 * included, can rely on `requestId` and `logger`.
 */
export function requestId(baseLogger: Logger): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const id = pickRequestId(c.req.header(requestIdHeader));
    c.set('requestId', id);
    const logger = baseLogger.child({ requestId: id });
    c.set('logger', logger);
    await requestLoggers.run(logger, next);
    // Errors thrown further down were already turned into c.res by app.onError, so this covers
    // problem responses, 404s and GraphQL responses alike.
    c.header(requestIdHeader, id);
  };
}

export function accessLog(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = performance.now();
    await next();
    // The path only: query strings may carry tokens or personal data.
    c.var.logger.info(
      { method: c.req.method, path: c.req.path, status: c.res.status, ms: Math.round((performance.now() - started) * 10) / 10 },
      'request',
    );
  };
}

export function unitOfWork(orm: MikroORM, verifyToken: TokenVerifier): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const em = orm.em.fork();
    c.set('em', em);
    c.set(
      'requestContext',
      createRequestContext({
        requestId: c.var.requestId,
        logger: c.var.logger,
        em,
        authorization: c.req.header('Authorization'),
        verifyToken,
      }),
    );
    await next();
  };
}
