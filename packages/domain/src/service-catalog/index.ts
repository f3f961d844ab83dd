/** The service catalog (SPEC §6): rules, queries, store and policy. */
export { readCatalog, serviceCatalogScopes, writeCatalog } from './policy';
export { catalogKeyOf, catalogOrders, findService, findServiceGroup, findServiceGroups, pageGroupsOfServices, pageServiceGroups, pageServices, pageServicesOfGroups, pageSubGroups, type CatalogKey, type CatalogOrder, type CatalogPage, type CatalogPageQuery, type ServiceFilter, type ServiceGroupFilter, type ServiceGroupRow, type ServiceRow } from './queries';
export { notFound, serviceCatalogMessages } from './rules';
export { addServiceToGroup, createService, createServiceGroup, deactivateService, deactivateServiceGroup, deleteServiceFromGroup, updateService, updateServiceGroup } from './store';
