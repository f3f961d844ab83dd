/**
 * The service catalog's rules (SPEC §6, seed 003) and its public messages. Pure: the store loads
 * rows, these decide.
 */
import { DomainError } from '../platform/errors';

export const serviceCatalogMessages = {
  serviceNotFound: 'Service is not found!',
  groupNotFound: 'Service group is not found!',
  serviceInactive: 'Service should be active !',
  groupInactive: 'Service group should be active !',
  serviceAlreadyInactive: 'Service is already inactive',
  groupAlreadyInactive: 'Service group is already inactive',
  groupHasActiveServices: 'Service group includes active services',
  inclusionExists: 'Service is already included in the service group',
  inclusionNotFound: 'Service is not included in the service group',
} as const;

type Message = (typeof serviceCatalogMessages)[keyof typeof serviceCatalogMessages];

export const notFound = (message: Message): DomainError => new DomainError('NOT_FOUND', message);
export const conflict = (message: Message): DomainError => new DomainError('CONFLICT', message);

export const serviceCategoryDictionary = 'SERVICE_CATEGORY';

/** Active rows only may change (seed 003: "Service/Service group should be active !"). */
export function assertActive(row: { isActive: boolean } | null, kind: 'service' | 'group'): void {
  if (!row) throw notFound(kind === 'service' ? serviceCatalogMessages.serviceNotFound : serviceCatalogMessages.groupNotFound);
  if (!row.isActive) throw conflict(kind === 'service' ? serviceCatalogMessages.serviceInactive : serviceCatalogMessages.groupInactive);
}
