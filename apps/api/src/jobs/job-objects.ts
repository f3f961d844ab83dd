/**
 * Which GraphQL object type renders a job of a given engine type (from the access table the REST
 * routes share), and the node loader every job type's view uses.
 */
import { findJob, type JobRow } from '@jabba/domain/engine';
import { accessOfJob, authorizeJobFor, ownedByCaller } from './access';
import type { Check } from '@jabba/domain/identity';
import type { GraphqlContext, NodeLoader } from '../graphql/module';

export const graphqlTypeOfJob = (jobType: string): string => accessOfJob(jobType).graphqlType;

/** A job as resolvers see it: the row plus the type the `Job`/`Node` interfaces resolve to. */
export type JobObject = JobRow & { __typename: string };

export const asJobObject = (job: JobRow): JobObject => ({ ...job, __typename: graphqlTypeOfJob(job.type) });

/**
 * The checks of a view that renders one job type, run before any lookup so an id tells a caller
 * who may not read such jobs nothing. A view shared by several types (`GenericJob`) has none: each
 * job's own type decides once the row is found.
 */
export interface ViewChecks {
  checks: readonly Check[];
}

/**
 * A job the caller may read, else null (another client's, or none) or the type's refusal. It only
 * resolves under the type that renders it: `node(id: "GenericJob:…")` of a job rendered as
 * `DeviceRegistryJob` is null, so `node(id).id` always equals the id asked for.
 */
export async function readableJob(ctx: GraphqlContext, typeName: string, databaseId: string, { checks }: ViewChecks): Promise<JobRow | null> {
  const principal = await ctx.authorize(checks);
  const job = await findJob(ctx.em, databaseId);
  if (!job || graphqlTypeOfJob(job.type) !== typeName || !ownedByCaller(principal, job)) return null;
  await authorizeJobFor(ctx, job, 'read');
  return job;
}

/** Node loader for a job type's GraphQL view. */
export function jobNodeLoader(typeName: string, view: ViewChecks): NodeLoader {
  return async (databaseId: string, ctx: GraphqlContext) => {
    const job = await readableJob(ctx, typeName, databaseId, view);
    return job && asJobObject(job);
  };
}
