/**
 * Who may import device registries and read their jobs (SPEC §3): the scope, then the client's
 * legal entity ACTIVE, then an NHS client; the first check that fails decides the error.
 */
import { requireActiveClient, requireClientType, requireScope, type Check } from '../identity';
import type { JobAccess } from '../engine';

export const deviceRegistryScopes = {
  write: 'device_registry:write',
  readJobs: 'device_registry_job:read',
} as const;

export const deviceRegistryRead: readonly Check[] = [requireScope(deviceRegistryScopes.readJobs), requireActiveClient(), requireClientType('NHS')];
export const deviceRegistryWrite: readonly Check[] = [requireScope(deviceRegistryScopes.write), requireActiveClient(), requireClientType('NHS')];

export const deviceRegistryAccess: JobAccess = { read: deviceRegistryRead, write: deviceRegistryWrite };
