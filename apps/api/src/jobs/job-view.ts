/**
 * What a job looks like outside the engine: its progress (shared by GraphQL and REST, so both count
 * the same way) and the JSON the `/v1/jobs/…` routes answer with.
 */
import { type JobProgress, type JobRow, jobStatuses, jobStrategies, progressOf } from '@jabba/domain/engine';
import { accessOfJob } from './access';
import { toGlobalId } from '../platform/global-ids';
import { jsonResponse, problems, z } from '../platform/openapi';

export const jobPath = (jobId: string): string => `/v1/jobs/${jobId}`;

/** What every endpoint that creates a job answers (with `Location: jobPath(databaseId)`). */
export interface AcceptedJob {
  /** The Relay id of the GraphQL type that renders the job. */
  id: string;
  databaseId: string;
  status: JobRow['status'];
}

const idFields = {
  id: z.string().openapi({ description: 'The Relay global id (GraphQL `node(id:)`); `/v1/jobs/{id}` takes it as well as `databaseId`.', example: 'RGV2aWNlUmVnaXN0cnlKb2I6N2YwYzFlMmEtM2I0Yy00ZDVlLThmNmEtN2I4YzlkMGUxZjJh' }),
  databaseId: z.uuid(),
  status: z.enum(jobStatuses),
};

export const acceptedJobSchema = z.strictObject(idFields).openapi('AcceptedJob', { description: 'A job just created or changed: follow it at `Location` (`/v1/jobs/{databaseId}`).' });

/** What an upload answers: a new job (202), the job its Idempotency-Key made before (200), or why not. */
export const uploadResponses = {
  202: jsonResponse(acceptedJobSchema, 'Accepted: the job runs', { Location: 'The job' }),
  200: jsonResponse(acceptedJobSchema, 'The job this Idempotency-Key made before', { Location: 'The job' }),
  ...problems(400, 401, 403, 409, 413, 415, 422, 503),
};

/** A job's Relay id: that of the GraphQL type that renders it, so REST and GraphQL ids agree. */
const globalJobId = (job: { id: string; type: string }): string => toGlobalId(accessOfJob(job.type).graphqlType, job.id);

export const acceptedJob = (job: { id: string; type: string; status: JobRow['status'] }): AcceptedJob => ({
  id: globalJobId(job),
  databaseId: job.id,
  status: job.status,
});

/** The upload's header line is part of the error report, not of what a poller needs to see. */
export const csvHeaderOf = (job: JobRow): string | null => (typeof job.meta?.csvHeader === 'string' ? job.meta.csvHeader : null);

function publicMeta(meta: JobRow['meta']): JobRow['meta'] {
  if (meta === null) return null;
  const { csvHeader: _csvHeader, ...rest } = meta;
  return rest;
}

export interface JobView {
  /** The Relay id of the GraphQL type that renders the job, so REST and GraphQL ids agree. */
  id: string;
  databaseId: string;
  type: string;
  name: string | null;
  status: JobRow['status'];
  strategy: JobRow['strategy'];
  meta: Record<string, unknown> | null;
  progress: JobProgress;
  tasks: { new: number; pending: number; consumed: number; processed: number; failed: number; rescued: number; aborted: number };
  startedAt: string;
  endedAt: string | null;
  updatedAt: string;
  links: { self: string; errors: string; cancel: string; retryFailed: string };
}

const count = z.int().min(0);
const timestamp = z.string().openapi({ description: 'ISO 8601, UTC, microseconds', example: '2026-11-22T10:29:32.099359Z' });

export const jobViewSchema = z
  .strictObject({
    ...idFields,
    type: z.string().openapi({ example: 'import_device_registry' }),
    name: z.string().nullable(),
    strategy: z.enum(jobStrategies),
    meta: z.record(z.string(), z.unknown()).nullable().openapi({
      description: 'The job type\'s own fields, e.g. a device registry import\'s `registerType`, `reasonDescription` and `dryRun` (true: nothing was created; absent on jobs from before dry runs, which were real)',
    }),
    progress: z.strictObject({ total: count, pending: count, processed: count, failed: count, aborted: count }),
    tasks: z.strictObject({ new: count, pending: count, consumed: count, processed: count, failed: count, rescued: count, aborted: count }),
    startedAt: timestamp,
    endedAt: timestamp.nullable(),
    updatedAt: timestamp,
    links: z.strictObject({ self: z.string(), errors: z.string(), cancel: z.string(), retryFailed: z.string() }),
  })
  .openapi('Job', { description: 'A job and its progress, as a poller sees it.' });

export function jobView(job: JobRow): JobView {
  const c = job.counters;
  const self = jobPath(job.id);
  return {
    id: globalJobId(job),
    databaseId: job.id,
    type: job.type,
    name: job.name,
    status: job.status,
    strategy: job.strategy,
    meta: publicMeta(job.meta),
    progress: progressOf(c),
    tasks: {
      new: c.NEW,
      pending: c.PENDING,
      consumed: c.CONSUMED,
      processed: c.PROCESSED,
      failed: c.FAILED,
      rescued: c.RESCUED,
      aborted: c.ABORTED,
    },
    startedAt: job.insertedAt,
    endedAt: job.endedAt,
    updatedAt: job.updatedAt,
    links: { self, errors: `${self}/errors.csv`, cancel: `${self}/cancel`, retryFailed: `${self}/retry-failed` },
  };
}
