/**
 * The contract between the GraphQL framework and the features: what a feature module is (its SDL,
 * resolvers and the Relay node types it can load) and what its resolvers receive. A leaf: feature
 * modules import it, and it imports no feature.
 */
import type { createSchema, YogaInitialContext } from 'graphql-yoga';
import type { ApiDeps } from '../platform/deps';
import type { RequestContext } from '../platform/request-context';
import type { UploadSlots } from '../platform/upload-slots';

/**
 * The app's dependencies that resolvers use: the queue new and retried jobs go to, the queue of
 * person-deactivation events, the reviewer-assignment queue and its events, the maintenance queue
 * (whose jobs operators count), the limits, and the
 * app's upload slots (an upload through GraphQL takes one like any other).
 */
export type GraphqlDeps = Pick<ApiDeps, 'tasksQueue' | 'personDeactivation' | 'mergeAssignments' | 'mergeAssignmentEvents' | 'maintenanceQueue' | 'webhookDeliveries' | 'config'> & {
  uploadSlots: UploadSlots;
};

/** What the app hands yoga for each request: the request's context and the app's `GraphqlDeps`. */
export type GraphqlServerContext = RequestContext & GraphqlDeps;

/** The one place that decides which deps resolvers see. */
export const graphqlContext = (request: RequestContext, deps: GraphqlDeps): GraphqlServerContext => ({
  ...request,
  tasksQueue: deps.tasksQueue,
  personDeactivation: deps.personDeactivation,
  mergeAssignments: deps.mergeAssignments,
  mergeAssignmentEvents: deps.mergeAssignmentEvents,
  maintenanceQueue: deps.maintenanceQueue,
  webhookDeliveries: deps.webhookDeliveries,
  config: deps.config,
  uploadSlots: deps.uploadSlots,
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
