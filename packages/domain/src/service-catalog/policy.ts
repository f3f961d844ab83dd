/** Who may read and change the service catalog (SPEC §6): the scope, then an NHS client. */
import { requireClientType, requireScope, type Check } from '../identity';

export const serviceCatalogScopes = {
  read: 'service_catalog:read',
  write: 'service_catalog:write',
} as const;

export const readCatalog: readonly Check[] = [requireScope(serviceCatalogScopes.read), requireClientType('NHS')];
export const writeCatalog: readonly Check[] = [requireScope(serviceCatalogScopes.write), requireClientType('NHS')];
