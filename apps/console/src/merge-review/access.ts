import type { Requirement } from '../platform/access';

/** chains.ts 'merge-review': read scope → NHS → not blocked; review adds the role, then ACTIVE. */
export const mergeReviewAccess = {
  read: { scope: 'merge_request:read', links: ['nhs', 'notBlocked'] },
  assign: { scope: 'merge_candidate:assign', links: ['nhs', 'notBlocked', 'role:NHS_REVIEWER', 'active'] },
  decide: { scope: 'merge_request:write', links: ['nhs', 'notBlocked', 'role:NHS_REVIEWER', 'active'] },
} as const satisfies Record<string, Requirement>;
