/**
 * Who may import device registries and read their jobs: the device-registry identity chain (SPEC
 * §3: the scope, then the client's legal entity ACTIVE, then an NHS client; writes also need a
 * client that is not blocked). The first check that fails decides the error.
 */
import { identityChain, requireScope, type Check } from '../identity';
import type { JobAccess } from '../engine';

export const deviceRegistryScopes = {
  write: 'device_registry:write',
  readJobs: 'device_registry_job:read',
} as const;

export const deviceRegistryRead: readonly Check[] = identityChain('device-registry', 'read', requireScope(deviceRegistryScopes.readJobs));
export const deviceRegistryWrite: readonly Check[] = identityChain('device-registry', 'write', requireScope(deviceRegistryScopes.write));

export const deviceRegistryAccess: JobAccess = { read: deviceRegistryRead, write: deviceRegistryWrite };
