/**
 * Which GraphQL object type renders a job of a given engine type, and the node loader every job
 * type shares. A job type without a typed view yet is a `GenericJob`.
 */
import { findJob, type JobRow } from '@jabba/domain/db/job-queries';
import type { Principal } from '../auth/principal';
import type { Check } from '../auth/guards';
import type { GraphqlContext, NodeLoader } from './schema';

/** Engine job type → GraphQL type name. One line per typed view (issue 3 adds its own here). */
export const jobGraphqlTypes: Readonly<Record<string, string>> = {
  // upload_device_definition_registry: 'DeviceRegistryJob',
};

export const genericJobType = 'GenericJob';

export const graphqlTypeOfJob = (jobType: string): string =>
  Object.hasOwn(jobGraphqlTypes, jobType) ? (jobGraphqlTypes[jobType] ?? genericJobType) : genericJobType;

/** A job as resolvers see it: the row plus the type the `Job`/`Node` interfaces resolve to. */
export type JobObject = JobRow & { __typename: string };

export const asJobObject = (job: JobRow): JobObject => ({ ...job, __typename: graphqlTypeOfJob(job.type) });

/**
 * Jobs (and their tasks) belong to the client that created the job; a job without a client is
 * nobody's to read.
 */
export const ownedByCaller = (principal: Principal, row: { clientId: string | null }): boolean =>
  row.clientId !== null && row.clientId === principal.client.id;

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
