/**
 * The tasks of one job as a Relay connection. Shared by every job view (`GenericJob.tasks`, and the
 * typed views later issues add), which differ only in the GraphQL names of their task types.
 * Reads go through the request's task-page batches, so a list of jobs is not one query per job.
 */
import { type TaskKey, type TaskOrder, type TaskRow, type TaskStatus, taskStatuses } from '@jabba/domain/engine';
import { z } from 'zod';
import { cursorPart, keyCodec, pageWindow, toConnection, type Connection, type ConnectionArgs } from '../platform/pages';
import type { GraphqlContext } from '../graphql/module';
import { taskPageLoader } from './task-pages';

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

export async function taskConnection(
  jobId: string,
  args: TaskConnectionArgs,
  ctx: GraphqlContext,
  taskTypeName = 'Task',
): Promise<Connection<TaskObject>> {
  const window = pageWindow(args, taskKeyCodec);
  // Batched with the other jobs of the request asking for the same window (task-pages.ts).
  const page = await taskPageLoader(ctx)(jobId, {
    status: args.filter?.status ?? null,
    order: taskOrderBy[args.orderBy ?? 'INSERTED_AT_ASC'],
    ...window,
  });
  const rows = page.rows.map((task): TaskObject => ({ ...task, __typename: taskTypeName }));
  return toConnection({ ...page, rows }, window, keyOfTask, taskKeyCodec);
}
