import type { Requirement } from '../platform/access';

/** chains.ts 'operations': scope → ACTIVE → not blocked. */
export const queuesAccess = {
  read: { scope: 'queues:read', links: ['active', 'notBlocked'] },
} as const satisfies Record<string, Requirement>;
