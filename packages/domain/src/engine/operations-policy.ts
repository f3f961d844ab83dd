/**
 * Who may look at the engine's machinery (issue 12): the queue depths in Redis and the reconciler's
 * last run. Operators' business, not a feature's, so it has a scope of its own and the operations
 * chain (scope → client ACTIVE → client not blocked).
 */
import { identityChain, requireScope, type Check } from '../identity';

export const operationsScopes = {
  readQueues: 'queues:read',
} as const;

export const readQueues: readonly Check[] = identityChain('operations', 'read', requireScope(operationsScopes.readQueues));
