/**
 * Manual merge review over GraphQL (SPEC §5, seed 000): the seed's types (`MergeRequest`,
 * `ManualMergeCandidate`, `MergeCandidate`, the persons), the reviewer's own open requests as a
 * keyset connection with `canAssignNew`, and `updateMergeRequest`, whose person-deactivation event
 * is published right after its transaction commits (the worker's relay covers a crash in between).
 */
import { canAssignNew, candidateStatuses, decideMergeRequest, decideMergeRequests, findMergeRequest, type ManualMergeCandidateRow, mergeMessages, type MergeRequestKey, mergeRequestKeyOf, type MergeRequestOrder, type MergeRequestRow, type MergeRules, pageOpenMergeRequests, publishDeactivationEvents, readMergeRequests, type RequestStatus, requestStatuses, reviewerLoad } from '@jabba/domain/merge-review';
import { DomainError, sqlOf } from '@jabba/domain/platform';
import { z } from 'zod';
import { cursorPart, keyCodec, pageWindow, toConnection, type Connection, type ConnectionArgs } from '../platform/pages';
import { databaseIdField, globalIdField, malformedId } from '../graphql/relay';
import { fromGlobalId } from '../platform/global-ids';
import type { GraphqlContext, GraphqlModule, NodeLoader } from '../graphql/module';

const orderValues = ['INSERTED_AT_ASC', 'INSERTED_AT_DESC', 'STATUS_ASC', 'STATUS_DESC'] as const satisfies readonly MergeRequestOrder[];

const typeDefs = /* GraphQL */ `
  "List of MergeRequest statuses."
  enum MergeRequestStatus { ${requestStatuses.join(' ')} }

  "List of Merge candidate statuses"
  enum ManualMergeCandidateStatus { ${candidateStatuses.join(' ')} }

  "Methods to use when ordering \`Merge Request\`."
  enum MergeRequestOrderBy { ${orderValues.join(' ')} }

  "A person of the pair, with the details the candidate import gave (any may be unknown)."
  type Person {
    "The ID of an object"
    id: ID!
    "Primary key identifier from the database"
    databaseId: UUID!
    firstName: String
    lastName: String
    birthDate: Date
  }

  "Information about Merge Candidate."
  type MergeCandidate {
    "The ID of an object"
    id: ID!
    "Primary key identifier from the database"
    databaseId: UUID!
    "The person wich will be deactivated"
    person: Person!
    "The person wich will remain"
    masterPerson: Person!
  }

  "Information about Manual Merge Candidate."
  type ManualMergeCandidate {
    "The ID of an object"
    id: ID!
    "Primary key identifier from the database"
    databaseId: UUID!
    "The pair of persons which is considerated to be the same person"
    mergeCandidate: MergeCandidate!
    "status of merge candidate"
    status: ManualMergeCandidateStatus
    "Technical information when the patient was inserted into the DB."
    insertedAt: DateTime!
    "Technical information when the patient was updated in the DB."
    updatedAt: DateTime!
  }

  "This is Merge Request details. In order to obtain details user must have a scope **merge_request:read**"
  type MergeRequest implements Node {
    "The ID of an object"
    id: ID!
    "Primary key identifier from the database"
    databaseId: UUID!
    "The pair of persons which is considerated to be the same person"
    manualMergeCandidate: ManualMergeCandidate!
    "status of merge request"
    status: MergeRequestStatus!
    "comment which user can leave"
    comment: String
    "Technical information when the patient was inserted into the DB."
    insertedAt: DateTime!
    "Technical information when the patient was updated in the DB."
    updatedAt: DateTime!
  }

  input MergeRequestFilter {
    status: MergeRequestStatus
  }

  "Reads and enables pagination through a set of \`MergeRequest\`."
  type MergeRequestEdge {
    "The item at the end of the edge."
    node: MergeRequest!
    "A cursor for use in pagination."
    cursor: String!
  }

  "A connection to a list of \`MergeRequest\` values."
  type MergeRequestConnection {
    "Information to aid in pagination."
    pageInfo: PageInfo!
    "Flag which shows whether NEW merge candidate can be assigned to the User"
    canAssignNew: Boolean!
    "A list of nodes."
    nodes: [MergeRequest]
    "A list of edges."
    edges: [MergeRequestEdge]
  }

  "Input for \`updateMergeRequest\` mutation. In order to update status user must have a scope \`merge_request:write\`"
  input UpdateMergeRequestInput {
    "The merge request's global id"
    id: ID!
    "next status of merge request"
    status: MergeRequestStatus!
    "comment which user can leave"
    comment: String
  }

  "Return type for \`updateMergeRequest\` mutation."
  type UpdateMergeRequestPayload {
    "Information of pair of persons which can be same."
    mergeRequest: MergeRequest!
  }

  type Query {
    "The caller's own merge request (scope \`merge_request:read\`); null for anyone else's."
    mergeRequest(id: ID!): MergeRequest
    "The caller's NEW and POSTPONE merge requests, oldest first unless told otherwise (scope \`merge_request:read\`)."
    mergeRequests(
      filter: MergeRequestFilter
      orderBy: MergeRequestOrderBy = INSERTED_AT_ASC
      first: Int
      last: Int
      after: String
      before: String
    ): MergeRequestConnection!
  }

  type Mutation {
    "Decides or postpones the caller's merge request (scope \`merge_request:write\`)."
    updateMergeRequest(input: UpdateMergeRequestInput!): UpdateMergeRequestPayload
  }
`;

/** A request as resolvers see it: the row plus the type `Node` resolves to. */
export type MergeRequestObject = MergeRequestRow & { __typename: 'MergeRequest' };

export const mergeRequestObject = (row: MergeRequestRow): MergeRequestObject => ({ ...row, __typename: 'MergeRequest' });

const readRequests = readMergeRequests;
const writeRequests = decideMergeRequests;

const rulesOf = (ctx: GraphqlContext): MergeRules => ({ maxPostponed: ctx.config.MAX_POSTPONED_MERGE_REQUESTS, quorum: ctx.config.MERGE_QUORUM });

/** A cursor holds the key of every order, so it survives a switch of order. */
const mergeRequestKeyCodec = keyCodec<MergeRequestKey>({ status: z.enum(requestStatuses), insertedAt: cursorPart.timestamp, id: cursorPart.id });

/** Own requests only: anyone else's is null, as if it did not exist. */
const loadMergeRequest: NodeLoader = async (databaseId, ctx) => {
  const principal = await ctx.authorize(readRequests);
  const row = await findMergeRequest(sqlOf(ctx.em), databaseId);
  return row && row.assigneeId === principal.token.userId ? mergeRequestObject(row) : null;
};

async function mergeRequest(_: unknown, { id }: { id: string }, ctx: GraphqlContext): Promise<MergeRequestObject | null> {
  // The checks come before looking at the id, so an id reveals nothing to a caller who may not read.
  await ctx.authorize(readRequests);
  const global = fromGlobalId(id);
  if (!global) throw malformedId('$.id');
  if (global.typeName !== 'MergeRequest') return null;
  return (await loadMergeRequest(global.databaseId, ctx)) as MergeRequestObject | null;
}

interface MergeRequestsArgs extends ConnectionArgs {
  filter?: { status?: RequestStatus | null } | null;
  orderBy?: MergeRequestOrder | null;
}

async function mergeRequests(_: unknown, args: MergeRequestsArgs, ctx: GraphqlContext): Promise<Connection<MergeRequestObject> & { canAssignNew: boolean }> {
  const principal = await ctx.authorize(readRequests);
  const window = pageWindow(args, mergeRequestKeyCodec);
  const assigneeId = principal.token.userId;
  const [page, load] = await Promise.all([
    pageOpenMergeRequests(ctx.em, {
      assigneeId,
      status: args.filter?.status ?? null,
      order: args.orderBy ?? 'INSERTED_AT_ASC',
      ...window,
    }),
    reviewerLoad(sqlOf(ctx.em), assigneeId),
  ]);
  const rows = page.rows.map(mergeRequestObject);
  const connection = toConnection({ ...page, rows }, window, mergeRequestKeyOf, mergeRequestKeyCodec);
  return { ...connection, canAssignNew: canAssignNew(load, rulesOf(ctx)) };
}

interface UpdateMergeRequestArgs {
  input: { id: string; status: RequestStatus; comment?: string | null };
}

async function updateMergeRequest(_: unknown, { input }: UpdateMergeRequestArgs, ctx: GraphqlContext): Promise<{ mergeRequest: MergeRequestObject | null }> {
  const principal = await ctx.authorize(writeRequests);
  const global = fromGlobalId(input.id);
  if (!global) throw malformedId('$.id');
  if (global.typeName !== 'MergeRequest') throw new DomainError('NOT_FOUND', mergeMessages.requestNotFound);
  const { event } = await decideMergeRequest(ctx.em, {
    requestId: global.databaseId,
    actorId: principal.token.userId,
    status: input.status,
    ...(input.comment === undefined ? {} : { comment: input.comment }),
  }, rulesOf(ctx));
  if (event) {
    // The decision has committed: a failed publish must not turn it into an error the client
    // would retry (and be refused); the event stays unpublished and the worker's relay sends it.
    await publishDeactivationEvents(ctx.em, ctx.personDeactivation, [event]).catch((err: unknown) => {
      ctx.logger.warn({ err, eventId: event.id }, 'person-deactivation event not published; the relay will publish it');
    });
  }
  const row = await findMergeRequest(sqlOf(ctx.em), global.databaseId);
  return { mergeRequest: row && mergeRequestObject(row) };
}

const idFields = { id: globalIdField, databaseId: databaseIdField };

export const mergeReviewModule: GraphqlModule = {
  typeDefs,
  resolvers: {
    Query: { mergeRequest, mergeRequests },
    Mutation: { updateMergeRequest },
    MergeRequest: { ...idFields, manualMergeCandidate: (request: MergeRequestRow) => request.candidate },
    ManualMergeCandidate: {
      ...idFields,
      // The MPI's merge candidate is known by its own id; the pair of persons is the candidate's.
      mergeCandidate: (candidate: ManualMergeCandidateRow) => ({ id: candidate.mergeCandidateId, person: candidate.person, masterPerson: candidate.masterPerson }),
    },
    MergeCandidate: idFields,
    Person: idFields,
  },
  nodes: { MergeRequest: loadMergeRequest },
};
