/**
 * Who may read and change a job of each engine type, and which GraphQL type renders it. REST
 * (`/v1/jobs/…`) and GraphQL share this table, so a job answers the same checks on both. A type
 * not listed is a `GenericJob`, guarded by ownership alone.
 */
import type { JobRow } from '@jabba/domain/engine/job-reads';
import { findJob } from '@jabba/domain/engine/job-reads';
import { deviceRegistryJobType } from '@jabba/domain/device-registry/column-rules';
import type { RequestContext } from '../platform/request-context';
import { requireActiveClient, requireClientType, requireScope, type Check } from '@jabba/domain/identity/checks';
import type { Principal } from '@jabba/domain/identity/principal';

export interface JobAccess {
  graphqlType: string;
  /** Checks to read the job and its tasks, in the order the type's spec lists them. */
  read: readonly Check[];
  /** Checks to cancel or retry it. */
  write: readonly Check[];
}

// SPEC §3: scope, then the legal entity's status, then the client type.
export const deviceRegistryRead: readonly Check[] = [requireScope('device_registry_job:read'), requireActiveClient(), requireClientType('NHS')];
export const deviceRegistryWrite: readonly Check[] = [requireScope('device_registry:write'), requireActiveClient(), requireClientType('NHS')];

export const jobAccessByType: Readonly<Record<string, JobAccess>> = {
  [deviceRegistryJobType]: { graphqlType: 'DeviceRegistryJob', read: deviceRegistryRead, write: deviceRegistryWrite },
};

export const genericJobAccess: JobAccess = { graphqlType: 'GenericJob', read: [], write: [] };

export const accessOfJob = (jobType: string): JobAccess =>
  Object.hasOwn(jobAccessByType, jobType) ? (jobAccessByType[jobType] ?? genericJobAccess) : genericJobAccess;

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
