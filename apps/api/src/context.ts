/**
 * What every request handler (REST route or GraphQL resolver) gets: one `em.fork()` per request,
 * a logger carrying the request id, and lazy authentication (verified once, on first use).
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from '@jabba/domain/runtime/logger';
import type { Principal } from './auth/principal';
import type { Check } from './auth/guards';

export interface RequestContext {
  requestId: string;
  logger: Logger;
  em: EntityManager;
  /** Verifies the bearer token and loads its client; throws UNAUTHENTICATED. Memoized per request. */
  authenticate(): Promise<Principal>;
  /** authenticate() then the given checks, in order. */
  authorize(checks: readonly Check[]): Promise<Principal>;
}
