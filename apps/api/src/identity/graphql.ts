/**
 * `viewer`: who the caller is, as the api sees them. The user and scopes come from the token, the
 * client and the roles from Postgres as stored; any valid token may ask (the `identity token`
 * chain), and the answer holds nothing but the caller's own.
 */
import { rolesOf, tokenOnly } from '@jabba/domain/identity';
import type { GraphqlContext, GraphqlModule } from '../graphql/module';

const typeDefs = /* GraphQL */ `
  "The client a token acts for, as stored."
  type ViewerClient {
    databaseId: UUID!
    name: String!
    "NHS, MIS, MSP or PHARMACY."
    type: String!
    "ACTIVE, SUSPENDED or CLOSED."
    status: String!
    blocked: Boolean!
  }

  "The caller: the token's user and scopes, its client and the user's roles there."
  type Viewer {
    userId: ID!
    client: ViewerClient!
    "The token's scopes, in the token's order."
    scopes: [String!]!
    "The user's roles at the client, as stored, in name order."
    roles: [String!]!
  }

  type Query {
    "Who the caller is. Needs any valid token."
    viewer: Viewer!
  }
`;

interface ViewerObject {
  userId: string;
  client: { databaseId: string; name: string; type: string; status: string; blocked: boolean };
  scopes: string[];
  roles: () => Promise<string[]>;
}

async function viewer(_: unknown, _args: unknown, ctx: GraphqlContext): Promise<ViewerObject> {
  const { token, client } = await ctx.authorize(tokenOnly);
  return {
    userId: token.userId,
    client: { databaseId: client.id, name: client.name, type: client.type, status: client.status, blocked: client.isBlocked },
    scopes: [...token.scopes],
    // Read only when asked for.
    roles: () => rolesOf(ctx.em, token.userId, token.clientId),
  };
}

export const identityModule: GraphqlModule = {
  typeDefs,
  resolvers: { Query: { viewer } },
};
