/**
 * What every request handler (REST route or GraphQL resolver) gets: one `em.fork()` per request,
 * a logger carrying the request id, and lazy authentication (verified once, on first use).
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from '@jabba/domain/platform';
import { authenticate, authorize, bearerToken, type Check, type Principal, type TokenVerifier } from '@jabba/domain/identity';

export interface RequestContext {
  requestId: string;
  logger: Logger;
  em: EntityManager;
  /** Verifies the bearer token and loads its client; throws UNAUTHENTICATED. Memoized per request. */
  authenticate(): Promise<Principal>;
  /** authenticate() then the given checks, in order. */
  authorize(checks: readonly Check[]): Promise<Principal>;
}

export interface RequestContextInit {
  requestId: string;
  logger: Logger;
  em: EntityManager;
  /** The raw `Authorization` header, if any. */
  authorization: string | undefined;
  verifyToken: TokenVerifier;
}

export function createRequestContext({ requestId, logger, em, authorization, verifyToken }: RequestContextInit): RequestContext {
  // Memoizing the promise (not the result) means concurrent resolvers share one verification and
  // one client lookup; a rejection is memoized too, which is right: the token will not improve.
  let principal: Promise<Principal> | undefined;
  const context: RequestContext = {
    requestId,
    logger,
    em,
    authenticate: () => (principal ??= authenticate(em, verifyToken, bearerToken(authorization))),
    authorize: async (checks) => authorize(await context.authenticate(), em, checks),
  };
  return context;
}
