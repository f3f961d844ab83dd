import type { Requirement } from '../platform/access';

/** chains.ts 'destinations': read is the scope alone; writes add ACTIVE → not blocked. */
export const destinationsAccess = {
  read: { scope: 'create_destination', links: [] },
  create: { scope: 'create_destination', links: ['active', 'notBlocked'] },
} as const satisfies Record<string, Requirement>;

/** Changing one destination needs that destination's own scope (seed 001). */
export const manageDestination = (destinationId: string): Requirement => ({
  scope: `manage:destination:${destinationId}`,
  links: ['active', 'notBlocked'],
});
