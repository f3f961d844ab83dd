/**
 * The tasks of one job as a Relay connection. Shared by every job view (`GenericJob.tasks`, and the
 * typed views later issues add), which differ only in the GraphQL names of their task types.
 * Reads go through the request's batches, so a list of jobs is not one query per job.
 */
import { pageTasksOfJobs, type TaskKey, type TaskOrder, type TaskPage, type TaskPageQuery, type TaskRow, type TaskStatus, taskStatuses } from '@jabba/domain/engine';
import type { EntityManager } from '@mikro-orm/postgresql';
import { z } from 'zod';
import { cursorPart, keyCodec, pageWindow, toConnection, type Connection, type ConnectionArgs } from '../platform/pages';
import type { GraphqlContext } from '../graphql/module';
import { batchLoader, loaderPerArgs, perRequest } from '../platform/batch-loader';

export const taskOrderBy = {
  // Tasks get `seq` in insertion order, so seq is insertion order without a tie-breaker on time.
  INSERTED_AT_ASC: 'SEQ_ASC',
  INSERTED_AT_DESC: 'SEQ_DESC',
  STATUS_ASC: 'STATUS_ASC',
  STATUS_DESC: 'STATUS_DESC',
} as const satisfies Record<string, TaskOrder>;
export type TaskOrderBy = keyof typeof taskOrderBy;

export interface TaskConnectionArgs extends ConnectionArgs {
  filter?: { status?: TaskStatus | null } | null;
  orderBy?: TaskOrderBy | null;
}


/**
 * A task cursor holds (seq, status) whatever the order, so a cursor stays valid when the client
 * switches order; the seq order simply ignores the status.
 */
export const taskKeyCodec = keyCodec<TaskKey>({ seq: cursorPart.position, status: z.enum(taskStatuses) });

const keyOfTask = (task: TaskRow): TaskKey => ({ seq: task.seq, status: task.status });

export type TaskObject = TaskRow & { __typename: string };

const emptyPage: TaskPage = { rows: [], existsBeforeAfter: false, existsAfterBefore: false };

/**
 * `(jobId, window)` → that job's page. `deviceRegistryJobs { nodes { tasks { … } } }` asks for the
 * tasks of every job on the page; the jobs asking for the same window (filter, order, cursors,
 * size) are answered by one statement (pageTasksOfJobs), so a page of 50 jobs costs two statements,
 * not 51. Aliases asking for different windows make one statement each; the alias and cost limits
 * bound those.
 */
const taskPageLoader = perRequest((em: EntityManager) =>
  loaderPerArgs((q: Omit<TaskPageQuery, 'jobId'>) => batchLoader((jobIds) => pageTasksOfJobs(em, jobIds, q), emptyPage)));

export async function taskConnection(
  jobId: string,
  args: TaskConnectionArgs,
  ctx: GraphqlContext,
  taskTypeName = 'Task',
): Promise<Connection<TaskObject>> {
  const window = pageWindow(args, taskKeyCodec);
  const { after, before, limit, fromEnd } = window;
  const page = await taskPageLoader(ctx.em)(jobId, {
    status: args.filter?.status ?? null,
    order: taskOrderBy[args.orderBy ?? 'INSERTED_AT_ASC'],
    after, before, limit, fromEnd,
  });
  const rows = page.rows.map((task): TaskObject => ({ ...task, __typename: taskTypeName }));
  return toConnection({ ...page, rows }, window, keyOfTask, taskKeyCodec);
}
