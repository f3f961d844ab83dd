/**
 * Who may read and change a job, and which GraphQL type renders it: its type's definition in the
 * job catalog says. REST (`/v1/jobs/…`) and GraphQL share this, so a job answers the same checks on
 * both. A type this deploy's catalog does not know (a job from a newer deploy, or one only tests
 * make) is a `GenericJob` that nobody may read or change: nothing is allowed by default.
 */
import { assertJobAccess, authorizeJob, findJob, genericJobView, isPerJobCheck, type JobAccess, type JobRow } from '@jabba/domain/engine';
import { refuseEveryone, type Principal } from '@jabba/domain/identity';
import { DomainError } from '@jabba/domain/platform';
import { jobCatalog } from '@jabba/domain/job-catalog';
import type { RequestContext } from '../platform/request-context';

/** A job type as the api shows it: the GraphQL type that renders it and its checks. */
export interface JobTypeAccess extends JobAccess {
  graphqlType: string;
}

export const unknownJobAccess: JobTypeAccess = { graphqlType: genericJobView, read: [refuseEveryone()], write: [refuseEveryone()] };

let views: ReadonlyMap<string, JobTypeAccess> = new Map(jobCatalog.map((type) => [type.type, { graphqlType: type.graphqlType, ...type.access }]));

export const accessOfJob = (jobType: string): JobTypeAccess => views.get(jobType) ?? unknownJobAccess;

/** The GraphQL types that render jobs, each once. */
export const jobViewTypes = (): ReadonlySet<string> => new Set([genericJobView, ...[...views.values()].map((view) => view.graphqlType)]);

/**
 * Tests add job types of their own (their handlers are scripted) with the access they declare. The
 * api never calls this: its catalog is the domain's.
 */
export function registerJobTypeAccess(type: string, access: JobTypeAccess): void {
  assertJobAccess(type, access);
  views = new Map([...views, [type, access]]);
}

/**
 * Jobs (and their tasks) belong to the client that created the job; a job without a client is
 * nobody's to read.
 */
export const ownedByCaller = (principal: Principal, row: { clientId: string | null }): boolean =>
  row.clientId !== null && row.clientId === principal.client.id;

/** The job type's checks for `mode`, on this job; they throw. */
export async function authorizeJobFor(ctx: RequestContext, job: JobRow, mode: 'read' | 'write'): Promise<Principal> {
  const principal = await ctx.authenticate();
  await authorizeJob(principal, ctx.em, job, accessOfJob(job.type)[mode]);
  return principal;
}

/** Whether the caller passes the job type's read checks (to show what a write changed). */
export async function mayRead(ctx: RequestContext, job: JobRow): Promise<boolean> {
  try {
    await authorizeJobFor(ctx, job, 'read');
    return true;
  } catch (error) {
    if (error instanceof DomainError) return false;
    throw error;
  }
}

/** A job type the caller may read: every job of it (`perJob` false), or those its per-job checks let through. */
export interface ReadableJobType {
  type: string;
  perJob: boolean;
}

/**
 * The job types whose read checks the caller passes, in type order. Checks that look at the job
 * itself cannot be run without one: a type with such a check is listed with `perJob`, and each of
 * its jobs must still pass them.
 */
export async function readableJobTypes(ctx: RequestContext): Promise<ReadableJobType[]> {
  const principal = await ctx.authenticate();
  const readable: ReadableJobType[] = [];
  for (const [type, access] of [...views].sort(([a], [b]) => a.localeCompare(b))) {
    const checks = access.read.filter((check) => !isPerJobCheck(check));
    // These checks decide from the caller alone: no job of its own reaches them.
    const subject = { id: '', clientId: principal.client.id };
    try {
      await authorizeJob(principal, ctx.em, subject, checks);
    } catch (error) {
      if (error instanceof DomainError) continue;
      throw error;
    }
    readable.push({ type, perJob: checks.length < access.read.length });
  }
  return readable;
}

/**
 * A job by id for REST: null when it does not exist or belongs to another client (the same 404
 * either way, so ids of other clients' jobs reveal nothing), then its type's checks, which throw.
 */
export async function jobForCaller(ctx: RequestContext, jobId: string, mode: 'read' | 'write'): Promise<JobRow | null> {
  const principal = await ctx.authenticate();
  const job = await findJob(ctx.em, jobId);
  if (!job || !ownedByCaller(principal, job)) return null;
  await authorizeJobFor(ctx, job, mode);
  return job;
}
