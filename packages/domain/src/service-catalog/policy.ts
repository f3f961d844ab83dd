/**
 * Who may read and change the service catalog: the service-catalog identity chain (SPEC §6: the
 * scope, then an NHS client; writes also need an ACTIVE client that is not blocked).
 */
import { identityChain, requireScope, type Check } from '../identity';

export const serviceCatalogScopes = {
  read: 'service_catalog:read',
  write: 'service_catalog:write',
} as const;

export const readCatalog: readonly Check[] = identityChain('service-catalog', 'read', requireScope(serviceCatalogScopes.read));
export const writeCatalog: readonly Check[] = identityChain('service-catalog', 'write', requireScope(serviceCatalogScopes.write));
