/**
 * FIT-Connect destinations over GraphQL (SPEC §4, issue 4): the same rows and the same scopes as
 * `GET /v1/destinations[/{id}]`, as a Relay `Destination` node and a keyset connection of the
 * caller's client's destinations. Changes go through REST, where they run on the queue.
 */
import { decommissionAllowedFrom, type DestinationListOrder, type DestinationRow, type DestinationStatus, destinationStatuses, findDestination, listDestinations, pageDestinations, readDestination } from '@jabba/domain/destinations';
import { creationKeyCodec, creationKeyOf, pageWindow, toConnection, type Connection, type ConnectionArgs } from '../platform/pages';
import { databaseIdField, globalIdField, malformedId } from '../graphql/relay';
import { fromGlobalId } from '../platform/global-ids';
import type { GraphqlContext, GraphqlModule, NodeLoader } from '../graphql/module';

/** Stored statuses are lower case (FIT-Connect's JSON); GraphQL enum values are upper case. */
const statusValues = Object.fromEntries(destinationStatuses.map((s) => [s.toUpperCase(), s])) as Record<string, DestinationStatus>;

const orderValues = ['INSERTED_AT_ASC', 'INSERTED_AT_DESC'] as const satisfies readonly DestinationListOrder[];

const typeDefs = /* GraphQL */ `
  "Lifecycle state of a destination: CREATED → ACTIVE ⇄ INACTIVE → DECOMMISSIONED (final)."
  enum DestinationStatus { ${Object.keys(statusValues).join(' ')} }

  enum DestinationOrderBy { ${orderValues.join(' ')} }

  "A FIT-Connect destination: where submissions for one recipient are delivered."
  type Destination implements Node {
    "The ID of an object"
    id: ID!
    "Primary key identifier from the database"
    databaseId: UUID!
    name: String!
    status: DestinationStatus!
    "When the destination entered its current status."
    statusChangedAt: DateTime!
    """
    While INACTIVE, the instant from which it may be DECOMMISSIONED (\`statusChangedAt\` plus
    DESTINATION_MIN_INACTIVE_DAYS); null in every other status.
    """
    decommissionAllowedFrom: DateTime
    "Technical information when the destination was inserted into the DB."
    insertedAt: DateTime!
    "Technical information when the destination was updated in the DB."
    updatedAt: DateTime!
  }

  input DestinationFilter {
    status: DestinationStatus
  }

  type DestinationEdge {
    node: Destination!
    cursor: String!
  }

  "A connection to a list of \`Destination\` values."
  type DestinationConnection {
    pageInfo: PageInfo!
    nodes: [Destination]
    edges: [DestinationEdge]
  }

  type Query {
    "Reads a single \`Destination\` using its globally unique ID (scope \`manage:destination:<databaseId>\`)."
    destination(id: ID!): Destination
    "The caller's client's destinations, oldest first unless told otherwise (scope \`create_destination\`)."
    destinations(
      filter: DestinationFilter
      orderBy: DestinationOrderBy = INSERTED_AT_ASC
      first: Int
      last: Int
      after: String
      before: String
    ): DestinationConnection!
  }
`;

/** A destination as resolvers see it: the row plus the type `Node` resolves to. */
type DestinationObject = DestinationRow & { __typename: 'Destination' };

const asDestinationObject = (row: DestinationRow): DestinationObject => ({ ...row, __typename: 'Destination' });

interface DestinationsArgs extends ConnectionArgs {
  filter?: { status?: DestinationStatus | null } | null;
  orderBy?: DestinationListOrder | null;
}

/**
 * The scope names the destination, so it is checked once the id is known: a caller without it is
 * FORBIDDEN whether or not the destination exists, and one with it gets null for an unknown id.
 */
const loadDestination: NodeLoader = async (databaseId, ctx) => {
  await ctx.authorize(readDestination(databaseId));
  const row = await findDestination(ctx.em, databaseId);
  return row && asDestinationObject(row);
};

async function destination(_: unknown, { id }: { id: string }, ctx: GraphqlContext): Promise<DestinationObject | null> {
  // The token is checked before the input, as for `node(id:)`.
  await ctx.authenticate();
  const global = fromGlobalId(id);
  if (!global) throw malformedId('$.id');
  if (global.typeName !== 'Destination') return null;
  return (await loadDestination(global.databaseId, ctx)) as DestinationObject | null;
}

async function destinations(_: unknown, args: DestinationsArgs, ctx: GraphqlContext): Promise<Connection<DestinationObject>> {
  const principal = await ctx.authorize(listDestinations);
  const window = pageWindow(args, creationKeyCodec);
  const page = await pageDestinations(ctx.em, {
    clientId: principal.client.id,
    status: args.filter?.status ?? null,
    order: args.orderBy ?? 'INSERTED_AT_ASC',
    ...window,
  });
  const rows = page.rows.map(asDestinationObject);
  // The key (insertedAt, id) is the same in both orders, so a cursor survives a switch of order.
  return toConnection({ ...page, rows }, window, creationKeyOf, creationKeyCodec);
}

export const destinationsModule: GraphqlModule = {
  typeDefs,
  resolvers: {
    Query: { destination, destinations },
    // Internal enum values: resolvers see and filters receive the stored lower-case status.
    DestinationStatus: statusValues,
    Destination: {
      id: globalIdField,
      databaseId: databaseIdField,
      decommissionAllowedFrom: (row: DestinationRow, _: unknown, ctx: GraphqlContext) =>
        decommissionAllowedFrom(row, { minInactiveDays: ctx.config.DESTINATION_MIN_INACTIVE_DAYS }),
    },
  },
  nodes: { Destination: loadDestination },
};
