/** The service catalog's GraphQL operations (SPEC §6, seed 003). */
import { graphql, type ResultOf } from '../platform/graphql';

export const ServicesQuery = graphql(`
  query CatalogServices($filter: ServiceFilter, $orderBy: ServiceOrderBy, $first: Int, $last: Int, $after: String, $before: String) {
    services(filter: $filter, orderBy: $orderBy, first: $first, last: $last, after: $after, before: $before) {
      nodes {
        id databaseId code name category isActive requestAllowed isComposition insertedAt
        serviceGroups(first: 5, filter: { isActive: true }, orderBy: NAME_ASC) { nodes { id name code } }
      }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    }
  }
`);

export type ServiceItem = NonNullable<ResultOf<typeof ServicesQuery>['services']['nodes']>[number] & object;

export const GroupsQuery = graphql(`
  query CatalogGroups($filter: ServiceGroupFilter, $first: Int, $last: Int, $after: String, $before: String) {
    serviceGroups(filter: $filter, orderBy: CODE_ASC, first: $first, last: $last, after: $after, before: $before) {
      nodes {
        id databaseId code name isActive requestAllowed
        parentGroup { id databaseId name code }
        subGroups(first: 10, orderBy: CODE_ASC) { nodes { id databaseId name code isActive } pageInfo { hasNextPage } }
        services(first: 20, filter: { isActive: true }, orderBy: CODE_ASC) { nodes { id name code } pageInfo { hasNextPage } }
      }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    }
  }
`);

export type GroupItem = NonNullable<ResultOf<typeof GroupsQuery>['serviceGroups']['nodes']>[number] & object;

/** The groups a service may be added to: active ones, by name. */
export const GroupChoicesQuery = graphql(`
  query CatalogGroupChoices($name: String) {
    serviceGroups(filter: { isActive: true, name: $name }, orderBy: NAME_ASC, first: 100) { nodes { id name code } }
  }
`);

export const CreateServiceMutation = graphql(`
  mutation CreateService($input: CreateServiceInput!) {
    createService(input: $input) { service { id name code } }
  }
`);

export const UpdateServiceMutation = graphql(`
  mutation UpdateService($input: UpdateServiceInput!) {
    updateService(input: $input) { service { id requestAllowed } }
  }
`);

export const DeactivateServiceMutation = graphql(`
  mutation DeactivateService($input: DeactivateServiceInput!) {
    deactivateService(input: $input) { service { id isActive } }
  }
`);

export const AddServiceToGroupMutation = graphql(`
  mutation AddServiceToGroup($input: AddServiceToGroupInput!) {
    addServiceToGroup(input: $input) { serviceGroup { id name } }
  }
`);

export const DeleteServiceFromGroupMutation = graphql(`
  mutation DeleteServiceFromGroup($input: DeleteServiceFromGroupInput!) {
    deleteServiceFromGroup(input: $input) { serviceGroup { id name } }
  }
`);

/** The `SERVICE_CATEGORY` dictionary as migrated: suggestions only, the api decides. */
export const knownCategories = ['laboratory_procedure', 'imaging', 'diagnostic_procedure', 'surgical_procedure', 'procedure', 'counselling', 'education', 'social_service'] as const;
