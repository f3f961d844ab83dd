/**
 * The api's only catch: every error a route throws ends here and leaves as application/problem+json,
 * so routes never build error responses themselves.
 */
import type { ErrorHandler, NotFoundHandler } from 'hono';
import { asDatabaseOutage, isDomainError, type Logger } from '@jabba/domain/platform';
import { problemContentType, statusProblem, toProblem, type Problem } from './error-tables';
import { requestIdHeader, type AppEnv } from './request-scope';

export function problemResponse(problem: Problem, headers: Record<string, string> = {}): Response {
  const requestId = problem.requestId;
  return new Response(JSON.stringify(problem), {
    status: problem.status,
    headers: {
      'Content-Type': problemContentType,
      ...(typeof requestId === 'string' ? { [requestIdHeader]: requestId } : {}),
      ...headers,
    },
  });
}

export function errorHandler(fallbackLogger: Logger): ErrorHandler<AppEnv> {
  return (thrown, c) => {
    // A restart or failover of Postgres is an outage of seconds, not a bug: 503 with Retry-After.
    const error = asDatabaseOutage(thrown);
    const lostDatabase = error !== thrown;
    // `requestId` is set by the first middleware, which cannot throw; the fallbacks are for an
    // error handler reached some other way (a misordered middleware in a future change).
    const requestId = c.get('requestId') as string | undefined;
    const logger = (c.get('logger') as Logger | undefined) ?? fallbackLogger;
    const problem = toProblem(error, requestId);
    if (isDomainError(error) && (error.code === 'BUSY' || error.code === 'UNAVAILABLE')) {
      // Shedding load at a limit of our own, or refusing work while Redis or Postgres is away (their
      // connections log the outage themselves), is working as designed: one line, no stack.
      logger.warn({ method: c.req.method, path: c.req.path, status: problem.status, ...(lostDatabase ? { cause: thrown.message } : {}) }, error.message);
    } else if (problem.status >= 500) {
      logger.error({ err: error, method: c.req.method, path: c.req.path, status: problem.status }, 'request failed');
    } else if (!isDomainError(error)) {
      logger.warn({ err: error, status: problem.status }, 'request rejected');
    }
    const retryAfter = isDomainError(error) ? error.details.retryAfterSeconds : undefined;
    return problemResponse(problem, retryAfter === undefined ? {} : { 'Retry-After': String(retryAfter) });
  };
}

export const notFoundHandler: NotFoundHandler<AppEnv> = (c) =>
  problemResponse(statusProblem(404, `No route for ${c.req.method} ${c.req.path}`, c.get('requestId') as string | undefined));
