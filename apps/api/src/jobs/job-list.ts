/**
 * Every job the caller may read, of any type: `jobs(filter, orderBy, first, after, …)` and the
 * types it may list (`jobTypes`, for a console's filter). Only the caller's client's jobs, only of
 * the types whose read checks the caller passes (jobs/access.ts); a type whose checks look at each
 * job (a destination transition: the caller must manage every destination it changes) has each row
 * checked, and a row that fails is left out, so such a page may hold fewer jobs than asked, even
 * none, while `hasNextPage` and the cursors still say where the scan stopped.
 */
import { pageJobs, type JobListOrder, type JobStatus } from '@jabba/domain/engine';
import { DomainError, type InputError } from '@jabba/domain/platform';
import { tokenOnly } from '@jabba/domain/identity';
import { mayRead, readableJobTypes } from './access';
import { asJobObject, type JobObject } from './job-objects';
import { creationKeyCodec, creationKeyOf, pageWindow, toConnection, type Connection, type ConnectionArgs } from '../platform/pages';
import type { GraphqlContext, GraphqlModule } from '../graphql/module';

/** The orders of a job list; a job's start is its insert time (SPEC §2). Shared by every job list. */
export const jobListOrder = {
  STARTED_AT_ASC: 'INSERTED_AT_ASC',
  STARTED_AT_DESC: 'INSERTED_AT_DESC',
} as const satisfies Record<string, JobListOrder>;
export type JobOrderBy = keyof typeof jobListOrder;

const typeDefs = /* GraphQL */ `
  input JobFilter {
    "Job types (as \`jobType\` and \`jobTypes\` name them); a type the caller may not read matches nothing."
    type: [String!]
    status: [JobStatus!]
  }

  enum JobOrderBy {
    STARTED_AT_ASC
    STARTED_AT_DESC
  }

  type JobEdge {
    node: Job!
    cursor: String!
  }

  type JobConnection {
    pageInfo: PageInfo!
    nodes: [Job]
    edges: [JobEdge]
  }

  type Query {
    """
    The caller's client's jobs of every type the caller may read, newest first unless told
    otherwise. A type whose read checks look at each job has its jobs checked one by one and the
    ones that fail left out, so a page may hold fewer jobs than asked (even none); follow
    pageInfo as usual.
    """
    jobs(
      filter: JobFilter
      orderBy: JobOrderBy = STARTED_AT_DESC
      first: Int
      after: String
      last: Int
      before: String
    ): JobConnection!
    "The job types the caller may read (those \`jobs\` lists), in name order."
    jobTypes: [String!]!
  }
`;

/** More entries than any deploy has types or statuses is not a filter but a mistake (or an attack). */
const maxFilterEntries = 50;

interface JobsArgs extends ConnectionArgs {
  filter?: { type?: string[] | null; status?: JobStatus[] | null } | null;
  orderBy?: JobOrderBy | null;
}

function checkFilter(filter: JobsArgs['filter']): void {
  const errors: InputError[] = [];
  for (const name of ['type', 'status'] as const) {
    const values = filter?.[name];
    if (values && values.length > maxFilterEntries) errors.push({ path: `$.filter.${name}`, message: `must hold at most ${maxFilterEntries} entries` });
  }
  if (errors.length > 0) throw new DomainError('UNPROCESSABLE_ENTITY', 'Validation failed', { inputErrors: errors });
}

async function jobs(_: unknown, args: JobsArgs, ctx: GraphqlContext): Promise<Connection<JobObject>> {
  const principal = await ctx.authorize(tokenOnly);
  checkFilter(args.filter);
  const window = pageWindow(args, creationKeyCodec);
  const wanted = args.filter?.type ? new Set(args.filter.type) : null;
  const readable = (await readableJobTypes(ctx)).filter((t) => wanted === null || wanted.has(t.type));
  const page = await pageJobs(ctx.em, {
    clientId: principal.client.id,
    types: readable.map((t) => t.type),
    statuses: args.filter?.status ? [...new Set(args.filter.status)] : null,
    order: jobListOrder[args.orderBy ?? 'STARTED_AT_DESC'],
    ...window,
  });
  const connection = toConnection({ ...page, rows: page.rows.map(asJobObject) }, window, creationKeyOf, creationKeyCodec);
  const perJob = new Set(readable.filter((t) => t.perJob).map((t) => t.type));
  if (perJob.size === 0) return connection;
  // One after another, not all at once: a page of 500 must not take every pooled connection.
  // pageInfo stays the scan's, so paging goes on past the rows left out.
  const edges: typeof connection.edges = [];
  for (const edge of connection.edges) {
    if (!perJob.has(edge.node.type) || (await mayRead(ctx, edge.node))) edges.push(edge);
  }
  return { ...connection, edges, nodes: edges.map((edge) => edge.node) };
}

async function jobTypes(_: unknown, _args: unknown, ctx: GraphqlContext): Promise<string[]> {
  await ctx.authorize(tokenOnly);
  return (await readableJobTypes(ctx)).map((t) => t.type);
}

export const jobListModule: GraphqlModule = {
  typeDefs,
  resolvers: { Query: { jobs, jobTypes } },
};
