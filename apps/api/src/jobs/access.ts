/**
 * Who may read and change a job, and which GraphQL type renders it: its type's definition in the
 * job catalog says. REST (`/v1/jobs/…`) and GraphQL share this, so a job answers the same checks on
 * both. A type the catalog does not know (only tests make such jobs) is a `GenericJob` guarded by
 * ownership alone.
 */
import { findJob, genericJobView, type JobAccess, type JobRow } from '@jabba/domain/engine';
import type { Principal } from '@jabba/domain/identity';
import { jobCatalog } from '@jabba/domain/job-catalog';
import type { RequestContext } from '../platform/request-context';

/** A job type as the api shows it: the GraphQL type that renders it and its checks. */
export interface JobTypeAccess extends JobAccess {
  graphqlType: string;
}

const views: ReadonlyMap<string, JobTypeAccess> = new Map(jobCatalog.map((type) => [type.type, { graphqlType: type.graphqlType, ...type.access }]));

export const genericJobAccess: JobTypeAccess = { graphqlType: genericJobView, read: [], write: [] };

export const accessOfJob = (jobType: string): JobTypeAccess => views.get(jobType) ?? genericJobAccess;

/** The access rules of the job view a global id names; null for a type that is no job view. */
export function accessOfView(typeName: string): JobTypeAccess | null {
  if (typeName === genericJobView) return genericJobAccess;
  return [...views.values()].find((view) => view.graphqlType === typeName) ?? null;
}

/**
 * Jobs (and their tasks) belong to the client that created the job; a job without a client is
 * nobody's to read.
 */
export const ownedByCaller = (principal: Principal, row: { clientId: string | null }): boolean =>
  row.clientId !== null && row.clientId === principal.client.id;

/**
 * A job by id for REST: null when it does not exist or belongs to another client (the same 404
 * either way, so ids of other clients' jobs reveal nothing), then its type's checks, which throw.
 */
export async function jobForCaller(ctx: RequestContext, jobId: string, mode: 'read' | 'write'): Promise<JobRow | null> {
  const principal = await ctx.authenticate();
  const job = await findJob(ctx.em, jobId);
  if (!job || !ownedByCaller(principal, job)) return null;
  await ctx.authorize(accessOfJob(job.type)[mode]);
  return job;
}
