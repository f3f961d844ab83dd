/**
 * The engine's own mutations (SPEC §2, our additions), for a job of any type: `cancelJob` aborts the
 * tasks that have not run, `retryFailedTasks` puts FAILED and RESCUED ones back on the queue. Both
 * are guarded by the `write` checks of the job's type, from the access table REST shares.
 */
import { cancelJob as cancelJobTasks, findJob, type JobRow, retryJob } from '@jabba/domain/engine';
import { DomainError } from '@jabba/domain/platform';
import { authorizeJobFor, jobViewTypes, mayRead, ownedByCaller } from './access';
import { asJobObject, graphqlTypeOfJob, type JobObject } from './job-objects';
import { malformedId } from '../graphql/relay';
import { fromGlobalId } from '../platform/global-ids';
import type { GraphqlContext, GraphqlModule } from '../graphql/module';

const typeDefs = /* GraphQL */ `
  input CancelJobInput {
    "The job's global id (any type implementing \`Job\`)."
    id: ID!
  }

  type CancelJobPayload {
    job: Job
  }

  input RetryFailedTasksInput {
    "The job's global id (any type implementing \`Job\`)."
    id: ID!
  }

  type RetryFailedTasksPayload {
    job: Job
  }

  type Mutation {
    "Stops a running job: tasks not yet run become ABORTED and the job ends FAILED."
    cancelJob(input: CancelJobInput!): CancelJobPayload
    "Runs an ended job's FAILED and RESCUED tasks again; PROCESSED tasks are never run twice."
    retryFailedTasks(input: RetryFailedTasksInput!): RetryFailedTasksPayload
  }
`;

interface JobInput {
  input: { id: string };
}

interface JobPayload {
  job: JobObject | null;
}

const jobNotFound = (): DomainError => new DomainError('NOT_FOUND', 'Job not found');

/**
 * The job behind `id` if the caller may change it: another client's job is NOT_FOUND like none, so
 * whether it exists is only told to its own client; then its type's write checks decide.
 */
async function writableJob(id: string, ctx: GraphqlContext): Promise<JobRow> {
  const principal = await ctx.authenticate();
  const global = fromGlobalId(id);
  if (!global) throw malformedId('$.id');
  if (!jobViewTypes().has(global.typeName)) throw jobNotFound();
  const job = await findJob(ctx.em, global.databaseId);
  if (!job || graphqlTypeOfJob(job.type) !== global.typeName || !ownedByCaller(principal, job)) throw jobNotFound();
  await authorizeJobFor(ctx, job, 'write');
  return job;
}

/**
 * The job as it is after the change, with the timestamps the engine's record lacks. Writing never
 * implies reading: a caller who may not read the job (nor its tasks) gets null.
 */
async function payload(jobId: string, ctx: GraphqlContext): Promise<JobPayload> {
  const row = await findJob(ctx.em, jobId);
  return { job: row && (await mayRead(ctx, row)) ? asJobObject(row) : null };
}

export const jobMutationsModule: GraphqlModule = {
  typeDefs,
  resolvers: {
    Mutation: {
      cancelJob: async (_: unknown, { input }: JobInput, ctx: GraphqlContext): Promise<JobPayload> => {
        const job = await writableJob(input.id, ctx);
        // The engine refuses an ended job with CONFLICT.
        await cancelJobTasks(ctx.em, job.id);
        return payload(job.id, ctx);
      },
      retryFailedTasks: async (_: unknown, { input }: JobInput, ctx: GraphqlContext): Promise<JobPayload> => {
        const job = await writableJob(input.id, ctx);
        // The engine refuses a running job, or one without failed tasks, with CONFLICT.
        await retryJob(ctx.em, ctx.tasksQueue, job.id);
        return payload(job.id, ctx);
      },
    },
  },
};
