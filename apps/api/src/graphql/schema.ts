/**
 * The executable schema, assembled from feature modules. A feature (jobs, device registry, service
 * catalog, …) is one module: its SDL, its resolvers, and the Relay node types it can load by global
 * id. A new feature adds its module to `featureModules`; its node types become reachable through
 * `node(id:)` with no other wiring, and nothing registers itself by import side effect.
 */
import type { GraphQLSchema } from 'graphql';
import { createSchema, type YogaInitialContext } from 'graphql-yoga';
import type { ApiDeps } from '../app';
import type { RequestContext } from '../platform/request-context';
import { destinationsModule } from '../destinations/graphql';
import { deviceRegistryModule } from '../device-registry/graphql';
import { jobMutationsModule } from '../jobs/mutations';
import { jobsModule } from '../jobs/graphql';
import { mergeAssignmentModule } from '../merge-review/assignment-graphql';
import { mergeReviewModule } from '../merge-review/graphql';
import { nodeRegistry, relayModule } from './relay';
import { scalarsModule } from './scalars';
import { serviceCatalogMutationsModule } from '../service-catalog/mutations';
import { serviceCatalogModule } from '../service-catalog/graphql';

/**
 * The app's dependencies that resolvers use: the queue new and retried jobs go to, the queue of
 * person-deactivation events, the reviewer-assignment queue and its events, and the limits.
 */
export type GraphqlDeps = Pick<ApiDeps, 'tasksQueue' | 'personDeactivation' | 'mergeAssignments' | 'mergeAssignmentEvents' | 'config'>;

/** What the app hands yoga for each request: the request's context and the app's `GraphqlDeps`. */
export type GraphqlServerContext = RequestContext & GraphqlDeps;

/** The one place that decides which deps resolvers see. */
export const graphqlContext = (request: RequestContext, deps: GraphqlDeps): GraphqlServerContext => ({
  ...request,
  tasksQueue: deps.tasksQueue,
  personDeactivation: deps.personDeactivation,
  mergeAssignments: deps.mergeAssignments,
  mergeAssignmentEvents: deps.mergeAssignmentEvents,
  config: deps.config,
});

/** What resolvers receive: the server context plus what yoga adds (request, params). */
export type GraphqlContext = GraphqlServerContext & YogaInitialContext;

/**
 * Loads the object behind a global id, or null when it does not exist or the caller may not see
 * it (null either way, so a node query never reveals existence). The object must carry
 * `__typename`, which is how the `Node` interface resolves its type.
 */
export type NodeLoader = (databaseId: string, ctx: GraphqlContext) => Promise<NodeObject | null>;

export interface NodeObject {
  __typename: string;
  id: string;
}

/** A resolver map in graphql-tools form (type → field → resolver; a scalar → its serialize/parse functions). */
export type ResolverMap = Exclude<NonNullable<Parameters<typeof createSchema<GraphqlContext>>[0]['resolvers']>, readonly unknown[]>;

export interface GraphqlModule {
  typeDefs: string;
  resolvers: ResolverMap;
  /** GraphQL type name → loader; one line per type makes it reachable through `node(id:)`. */
  nodes?: Record<string, NodeLoader>;
}

export const featureModules: readonly GraphqlModule[] = [scalarsModule, jobsModule, jobMutationsModule, deviceRegistryModule, destinationsModule, mergeReviewModule, mergeAssignmentModule, serviceCatalogModule, serviceCatalogMutationsModule];

export function buildSchema(features: readonly GraphqlModule[] = featureModules): GraphQLSchema {
  const modules = [...features, relayModule(nodeRegistry(features))];
  return createSchema<GraphqlContext>({
    typeDefs: modules.map((m) => m.typeDefs),
    resolvers: modules.map((m) => m.resolvers),
  });
}
