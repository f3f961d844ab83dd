import type { Requirement } from '../platform/access';

/** chains.ts 'service-catalog': read scope → NHS; write scope → NHS → ACTIVE → not blocked. */
export const catalogAccess = {
  read: { scope: 'service_catalog:read', links: ['nhs'] },
  write: { scope: 'service_catalog:write', links: ['nhs', 'active', 'notBlocked'] },
} as const satisfies Record<string, Requirement>;
