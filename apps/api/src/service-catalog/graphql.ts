/**
 * The service catalog over GraphQL, read side (SPEC §6, seed 003 — its SDL is the contract):
 * `Service` and `ServiceGroup` nodes, the `services` / `serviceGroups` keyset connections with the
 * seed's filters and orders, and the nested connections, which go through per-request batches
 * (platform/batch-loader.ts). Every field needs an NHS client and `service_catalog:read`.
 * The mutations (service-catalog-mutations.ts) render their payloads with `serviceObject` and
 * `serviceGroupObject`.
 */
import {
  type CatalogKey, catalogKeyOf, type CatalogOrder, catalogOrders, type CatalogPage, type CatalogPageQuery, findService, findServiceGroup, findServiceGroups,
  pageGroupsOfServices, pageServiceGroups, pageServices, pageServicesOfGroups, pageSubGroups, readCatalog, type ServiceFilter, type ServiceGroupFilter, type ServiceGroupRow, type ServiceRow,
} from '@jabba/domain/service-catalog';
import type { EntityManager } from '@mikro-orm/postgresql';
import { batchLoader, loaderPerArgs, perRequest } from '../platform/batch-loader';
import { cursorPart, keyCodec, pageWindow, toConnection, type Connection, type ConnectionArgs, type PageWindow } from '../platform/pages';
import { databaseIdField, globalIdField } from '../graphql/relay';
import type { GraphqlContext, GraphqlModule, NodeLoader } from '../graphql/module';

const orderDescriptions = (typeName: string): Record<CatalogOrder, string> => ({
  CODE_ASC: 'Orders by the object’s `code` field in the ascending order.',
  CODE_DESC: 'Orders by the object’s `code` field in the descending order.',
  INSERTED_AT_ASC: `Sort ${typeName} by inserted_at in ascending order.`,
  INSERTED_AT_DESC: `Sort ${typeName} by inserted_at in descending order.`,
  NAME_ASC: 'Sort Services by name in ascending order.',
  NAME_DESC: 'Sort Services by name in descending order.',
});

const orderEnum = (name: string, typeName: string): string => {
  const descriptions = orderDescriptions(typeName);
  return `enum ${name} {\n${catalogOrders.map((o) => `    ${JSON.stringify(descriptions[o])}\n    ${o}`).join('\n')}\n  }`;
};

const pageArgs = (filter: string, orderBy: string, defaultOrder = ''): string => `(
    "A condition to be used in determining which values should be returned by the collection."
    filter: ${filter}
    "The method to use when ordering collection items."
    orderBy: ${orderBy}${defaultOrder}
    "Read all values in the set after (below) this cursor."
    after: String
    "Read all values in the set before (above) this cursor."
    before: String
    "Only read the first _n_ values of the set."
    first: Int
    "Only read the last _n_ values of the set."
    last: Int
  )`;

const connectionTypes = (node: string): string => `
  "A connection to a list of \`${node}\` items."
  type ${node}Connection {
    "Information to aid in pagination."
    pageInfo: PageInfo!
    "A list of nodes."
    nodes: [${node}]
    "A list of edges."
    edges: [${node}Edge]
  }

  "An edge in a connection of \`${node}\`."
  type ${node}Edge {
    "The item at the end of the edge."
    node: ${node}!
    "A cursor for use in pagination."
    cursor: String!
  }
`;

const typeDefs = /* GraphQL */ `
  "Fields to filter service in the system."
  input ServiceFilter {
    "Primary key identifier from the database."
    databaseId: UUID
    "Service name."
    name: String
    "Service code."
    code: String
    "Flag whether \`Service\` is active or not?"
    isActive: Boolean
    "Service category. The value should be present in the \`SERVICE_CATEGORY\` dictionary."
    category: String
  }

  "Fields to filter service group in the system."
  input ServiceGroupFilter {
    "Primary key identifier from the database."
    databaseId: UUID
    "Service group name."
    name: String
    "Service group code."
    code: String
    "Flag whether \`Service group\` is active or not?"
    isActive: Boolean
    "Applies conditions to object’s \`parentGroup\` field."
    parentGroup: ServiceGroupFilter
  }

  "Methods to use when ordering \`Services\`."
  ${orderEnum('ServiceOrderBy', 'Service')}

  "Methods to use when ordering \`ServicesGroup\`."
  ${orderEnum('ServiceGroupOrderBy', 'ServiceGroup')}
  ${connectionTypes('Service')}
  ${connectionTypes('ServiceGroup')}
  "Services that provided by legal entity. User must have a scope **service_catalog:read**"
  type Service implements Node {
    "The ID of an object"
    id: ID!
    "Primary key identifier from the database"
    databaseId: UUID!
    "Service name"
    name: String!
    "Service code"
    code: String!
    "Service category. The value should be present in the \`SERVICE_CATEGORY\` dictionary."
    category: String
    "Whether \`Service\` is active or not?"
    isActive: Boolean!
    "Whether requesting services allowed for the \`Service\` or not?"
    requestAllowed: Boolean
    "Whether the \`Service\` is composion or not?"
    isComposition: Boolean
    "Reads and enables pagination through a set of parent \`ServiceGroup\`."
    serviceGroups${pageArgs('ServiceGroupFilter', 'ServiceGroupOrderBy')}: ServiceGroupConnection!
    "Date and time when record was inserted"
    insertedAt: DateTime!
    "Date and time when record was updated"
    updatedAt: DateTime!
  }

  "Service group that provided by legal entity. User must have a scope **service_catalog:read**"
  type ServiceGroup implements Node {
    "The ID of an object"
    id: ID!
    "Primary key identifier from the database"
    databaseId: UUID!
    "Service group name"
    name: String!
    "Service group code"
    code: String!
    "Whether the \`ServiceGroup\` is active or not?"
    isActive: Boolean!
    "Parent service group"
    parentGroup: ServiceGroup
    "Reads through a set of associated \`ServiceGroup\`."
    subGroups${pageArgs('ServiceGroupFilter', 'ServiceGroupOrderBy')}: ServiceGroupConnection!
    "Whether requesting service groups allowed for the \`ServiceGroup\` or not?"
    requestAllowed: Boolean!
    "Reads through a set of associated \`ServiceGroup\`."
    services${pageArgs('ServiceFilter', 'ServiceOrderBy')}: ServiceConnection!
    "Date and time when record was inserted"
    insertedAt: DateTime!
    "Date and time when record was updated"
    updatedAt: DateTime!
  }

  type Query {
    "Services of the catalog, newest first unless told otherwise (scope \`service_catalog:read\`)."
    services${pageArgs('ServiceFilter', 'ServiceOrderBy', ' = INSERTED_AT_DESC')}: ServiceConnection!
    "Service groups of the catalog, newest first unless told otherwise (scope \`service_catalog:read\`)."
    serviceGroups${pageArgs('ServiceGroupFilter', 'ServiceGroupOrderBy', ' = INSERTED_AT_DESC')}: ServiceGroupConnection!
  }
`;

/** A service as resolvers see it: the row plus the type `Node` resolves to. */
export type ServiceObject = ServiceRow & { __typename: 'Service' };
export type ServiceGroupObject = ServiceGroupRow & { __typename: 'ServiceGroup' };

export const serviceObject = (row: ServiceRow): ServiceObject => ({ ...row, __typename: 'Service' });
export const serviceGroupObject = (row: ServiceGroupRow): ServiceGroupObject => ({ ...row, __typename: 'ServiceGroup' });

/** A cursor holds the key of every order, so it survives a switch of order (and of nested field). */
const catalogKeyCodec = keyCodec<CatalogKey>({ insertedAt: cursorPart.timestamp, code: cursorPart.text, name: cursorPart.text, id: cursorPart.id });

interface ListArgs<F> extends ConnectionArgs {
  filter?: F | null;
  orderBy?: CatalogOrder | null;
}

/** The seed gives nested fields no default order; they take the top-level lists' one. */
function pageQuery<F>(args: ListArgs<F>): { window: PageWindow<CatalogKey>; q: CatalogPageQuery<F> } {
  const window = pageWindow(args, catalogKeyCodec);
  const { after, before, limit, fromEnd } = window;
  return { window, q: { filter: args.filter ?? null, order: args.orderBy ?? 'INSERTED_AT_DESC', after, before, limit, fromEnd } };
}

const connectionOf = <R, O extends ServiceRow | ServiceGroupRow>(page: CatalogPage<R>, window: PageWindow<CatalogKey>, toObject: (row: R) => O): Connection<O> =>
  toConnection({ ...page, rows: page.rows.map(toObject) }, window, catalogKeyOf, catalogKeyCodec);

const emptyPage: CatalogPage<never> = { rows: [], existsBeforeAfter: false, existsAfterBefore: false };

type PageBatch<F, R> = (em: EntityManager, parentIds: readonly string[], q: CatalogPageQuery<F>) => Promise<Map<string, CatalogPage<R>>>;

/** Parents batch together only when they ask for the same page: one loader per field and arguments. */
const pagesOf = <F, R>(em: EntityManager, fetch: PageBatch<F, R>) =>
  loaderPerArgs((q: CatalogPageQuery<F>) => batchLoader<CatalogPage<R>>((ids) => fetch(em, ids, q), emptyPage));

/** The request's batches, keyed by its EntityManager (one fork per request): for 20 groups' `services`, one query. */
const catalogLoaders = perRequest((em: EntityManager) => ({
  servicesOfGroup: pagesOf(em, pageServicesOfGroups),
  groupsOfService: pagesOf(em, pageGroupsOfServices),
  subGroups: pagesOf(em, pageSubGroups),
  group: batchLoader<ServiceGroupRow | null>((ids) => findServiceGroups(em, ids), null),
}));

async function services(_: unknown, args: ListArgs<ServiceFilter>, ctx: GraphqlContext): Promise<Connection<ServiceObject>> {
  await ctx.authorize(readCatalog);
  const { window, q } = pageQuery(args);
  return connectionOf(await pageServices(ctx.em, q), window, serviceObject);
}

async function serviceGroups(_: unknown, args: ListArgs<ServiceGroupFilter>, ctx: GraphqlContext): Promise<Connection<ServiceGroupObject>> {
  await ctx.authorize(readCatalog);
  const { window, q } = pageQuery(args);
  return connectionOf(await pageServiceGroups(ctx.em, q), window, serviceGroupObject);
}

// Nested fields: the same checks (memoized authentication makes them cheap), then the batch.
const groupsOfService = async (service: ServiceRow, args: ListArgs<ServiceGroupFilter>, ctx: GraphqlContext): Promise<Connection<ServiceGroupObject>> => {
  await ctx.authorize(readCatalog);
  const { window, q } = pageQuery(args);
  return connectionOf(await catalogLoaders(ctx.em).groupsOfService(service.id, q), window, serviceGroupObject);
};

const servicesOfGroup = async (group: ServiceGroupRow, args: ListArgs<ServiceFilter>, ctx: GraphqlContext): Promise<Connection<ServiceObject>> => {
  await ctx.authorize(readCatalog);
  const { window, q } = pageQuery(args);
  return connectionOf(await catalogLoaders(ctx.em).servicesOfGroup(group.id, q), window, serviceObject);
};

const subGroups = async (group: ServiceGroupRow, args: ListArgs<ServiceGroupFilter>, ctx: GraphqlContext): Promise<Connection<ServiceGroupObject>> => {
  await ctx.authorize(readCatalog);
  const { window, q } = pageQuery(args);
  return connectionOf(await catalogLoaders(ctx.em).subGroups(group.id, q), window, serviceGroupObject);
};

const parentGroup = async (group: ServiceGroupRow, _args: unknown, ctx: GraphqlContext): Promise<ServiceGroupObject | null> => {
  await ctx.authorize(readCatalog);
  if (group.parentGroupId === null) return null;
  const row = await catalogLoaders(ctx.em).group(group.parentGroupId);
  return row && serviceGroupObject(row);
};

const loadService: NodeLoader = async (databaseId, ctx) => {
  await ctx.authorize(readCatalog);
  const row = await findService(ctx.em, databaseId);
  return row && serviceObject(row);
};

const loadServiceGroup: NodeLoader = async (databaseId, ctx) => {
  await ctx.authorize(readCatalog);
  const row = await findServiceGroup(ctx.em, databaseId);
  return row && serviceGroupObject(row);
};

const idFields = { id: globalIdField, databaseId: databaseIdField };

export const serviceCatalogModule: GraphqlModule = {
  typeDefs,
  resolvers: {
    Query: { services, serviceGroups },
    Service: { ...idFields, serviceGroups: groupsOfService },
    ServiceGroup: { ...idFields, parentGroup, subGroups, services: servicesOfGroup },
  },
  nodes: { Service: loadService, ServiceGroup: loadServiceGroup },
};
