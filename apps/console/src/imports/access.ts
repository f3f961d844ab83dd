import type { Requirement } from '../platform/access';

/** chains.ts 'device-registry'.write: scope → ACTIVE → NHS → not blocked. */
export const importsAccess = {
  upload: { scope: 'device_registry:write', links: ['active', 'nhs', 'notBlocked'] },
} as const satisfies Record<string, Requirement>;
