/**
 * The delivery service's scopes (SPEC §4, seed 001): one to create and list a client's
 * destinations, one per destination to manage it ("nur mit dem Scope
 * manage:destination:{destinationId}"), and the two that allow sending to it.
 */
import { requireAnyScope, requireScope, type Check } from '../identity';
import type { JobAccess } from '../engine';

export const destinationScopes = {
  create: 'create_destination',
  manage: (destinationId: string): string => `manage:destination:${destinationId}`,
  send: (destinationId: string): string => `send:destination:${destinationId}`,
  sendToRegion: 'send:region:DE',
} as const;

export const createDestinations: readonly Check[] = [requireScope(destinationScopes.create)];
export const manageDestination = (destinationId: string): readonly Check[] => [requireScope(destinationScopes.manage(destinationId))];
export const sendToDestination = (destinationId: string): readonly Check[] => [
  requireAnyScope(destinationScopes.send(destinationId), destinationScopes.sendToRegion),
];

/**
 * Transition and deletion jobs are guarded by ownership alone for now: the job belongs to the
 * client that submitted it (the deletion sweep's to none).
 */
export const destinationJobAccess: JobAccess = { read: [], write: [] };
