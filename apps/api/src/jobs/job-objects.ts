/**
 * Which GraphQL object type renders a job of a given engine type (from the access table the REST
 * routes share), and the node loader every job type's view uses.
 */
import { findJob, type JobRow } from '@jabba/domain/engine';
import { accessOfJob } from './access';
import type { Check, Principal } from '@jabba/domain/identity';
import type { GraphqlContext, NodeLoader } from '../graphql/module';

export const graphqlTypeOfJob = (jobType: string): string => accessOfJob(jobType).graphqlType;

/** A job as resolvers see it: the row plus the type the `Job`/`Node` interfaces resolve to. */
export type JobObject = JobRow & { __typename: string };

export const asJobObject = (job: JobRow): JobObject => ({ ...job, __typename: graphqlTypeOfJob(job.type) });

export interface JobLoaderOptions {
  /** Authorization checks, in the order the type's spec lists them. */
  checks: readonly Check[];
  /** Row-level visibility once the checks passed; invisible jobs are null, as if absent. */
  visible: (principal: Principal, job: JobRow) => boolean;
}

/**
 * Node loader for a job type's GraphQL view. A job only resolves under the type that renders it:
 * `node(id: "GenericJob:…")` of a job rendered as `DeviceRegistryJob` is null, so `node(id).id`
 * always equals the id asked for.
 */
export function jobNodeLoader(typeName: string, { checks, visible }: JobLoaderOptions): NodeLoader {
  return async (databaseId: string, ctx: GraphqlContext) => {
    const principal = await ctx.authorize(checks);
    const job = await findJob(ctx.em, databaseId);
    if (!job || graphqlTypeOfJob(job.type) !== typeName || !visible(principal, job)) return null;
    return asJobObject(job);
  };
}
