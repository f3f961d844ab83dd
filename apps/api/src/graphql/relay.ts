/**
 * Relay object identification (SPEC §7): global id = base64("<Type>:<uuid>"), `databaseId` = the
 * uuid, and `node(id:)` dispatching on the type name to the loaders the modules declare.
 */
import { DomainError } from '@jabba/domain/platform';
import type { GraphQLResolveInfo } from 'graphql';
import { fromGlobalId, toGlobalId } from '../platform/global-ids';
import type { GraphqlContext, GraphqlModule, NodeLoader, NodeObject } from './module';

export const malformedId = (path: string): DomainError =>
  new DomainError('UNPROCESSABLE_ENTITY', 'Validation failed', {
    inputErrors: [{ path, message: 'is not a valid global id' }],
  });

/**
 * `id` field resolver for every Node type: the type name comes from the schema, so a job row seen
 * as `GenericJob` and later as `DeviceRegistryJob` gets the id of the type it is rendered as.
 */
export const globalIdField = (parent: { id: string }, _args: unknown, _ctx: unknown, info: GraphQLResolveInfo): string =>
  toGlobalId(info.parentType.name, parent.id);

export const databaseIdField = (parent: { id: string }): string => parent.id;

/**
 * The `node` query. Authentication comes first (every node type needs a valid token, and the spec
 * checks the token before looking at input); a malformed id is then UNPROCESSABLE_ENTITY naming
 * `id`, while a well-formed id of an unknown type or row is null with no error.
 */
export function relayModule(loaders: Readonly<Record<string, NodeLoader>>): GraphqlModule {
  return {
    typeDefs: /* GraphQL */ `
      "An object with a globally unique ID."
      interface Node {
        "The ID of an object"
        id: ID!
      }

      type PageInfo {
        hasNextPage: Boolean!
        hasPreviousPage: Boolean!
        startCursor: String
        endCursor: String
      }

      type Query {
        "Fetches an object given its globally unique ID."
        node(id: ID!): Node
      }
    `,
    resolvers: {
      Node: { __resolveType: (obj: NodeObject) => obj.__typename },
      Query: {
        node: async (_: unknown, { id }: { id: string }, ctx: GraphqlContext): Promise<NodeObject | null> => {
          await ctx.authenticate();
          const global = fromGlobalId(id);
          if (!global) throw malformedId('$.id');
          const load = Object.hasOwn(loaders, global.typeName) ? loaders[global.typeName] : undefined;
          return load ? load(global.databaseId, ctx) : null;
        },
      },
    },
  };
}

/** Merges the modules' node loaders; two modules claiming one type name is a wiring bug. */
export function nodeRegistry(modules: readonly GraphqlModule[]): Record<string, NodeLoader> {
  const registry: Record<string, NodeLoader> = {};
  for (const module of modules) {
    for (const [typeName, loader] of Object.entries(module.nodes ?? {})) {
      if (Object.hasOwn(registry, typeName)) throw new Error(`Node type ${typeName} is registered twice`);
      registry[typeName] = loader;
    }
  }
  return registry;
}
