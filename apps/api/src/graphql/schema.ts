/**
 * The executable schema, assembled from the feature modules the app lists (app.ts). A module's
 * node types become reachable through `node(id:)` with no other wiring, and nothing registers
 * itself by import side effect.
 */
import type { GraphQLSchema } from 'graphql';
import { createSchema } from 'graphql-yoga';
import type { GraphqlContext, GraphqlModule } from './module';
import { nodeRegistry, relayModule } from './relay';
import { scalarsModule } from './scalars';

export function buildSchema(features: readonly GraphqlModule[]): GraphQLSchema {
  const modules = [scalarsModule, ...features, relayModule(nodeRegistry(features))];
  return createSchema<GraphqlContext>({
    typeDefs: modules.map((m) => m.typeDefs),
    resolvers: modules.map((m) => m.resolvers),
  });
}
