/**
 * One page of a job's tasks. A device registry task carries its CSV line and record, so a failed
 * one can be shown cell by cell; a job of another type has generic tasks (meta as JSON). The two
 * connections are aliased because their `meta` fields differ in type.
 *
 * Keyset pages of 50 (`first`/`after`): the api reads one page of the tasks index whatever the
 * job's size, so the page is as fast on the millionth task as on the first.
 */
import { graphql, type ResultOf } from '../platform/graphql';

export const taskPageSize = 50;

export const taskStatuses = ['NEW', 'PENDING', 'CONSUMED', 'PROCESSED', 'FAILED', 'RESCUED', 'ABORTED'] as const;
export type TaskStatus = (typeof taskStatuses)[number];

export const JobTasksQuery = graphql(`
  query JobTasks($id: ID!, $filter: TaskFilter, $first: Int!, $after: String) {
    node(id: $id) {
      __typename
      ... on DeviceRegistryJob {
        registryTasks: tasks(filter: $filter, first: $first, after: $after) {
          pageInfo { hasNextPage endCursor }
          nodes {
            id databaseId status endedAt
            meta { csvDataLine }
            record { column value }
            error { message extensions { code errorId fields { column value rule message } } }
          }
        }
      }
      ... on GenericJob {
        genericTasks: tasks(filter: $filter, first: $first, after: $after) {
          pageInfo { hasNextPage endCursor }
          nodes {
            id databaseId status endedAt name meta
            error { message extensions { code errorId fields { column value rule message } } }
          }
        }
      }
    }
  }
`);

type Node = NonNullable<ResultOf<typeof JobTasksQuery>['node']>;
type Registry = Extract<Node, { registryTasks: unknown }>['registryTasks'];
type Generic = Extract<Node, { genericTasks: unknown }>['genericTasks'];

export type TaskError = NonNullable<NonNullable<NonNullable<Registry['nodes']>[number]>['error']>;

/** What a row shows, whatever the job's type. */
export interface TaskRow {
  id: string;
  databaseId: string;
  status: string;
  /** The CSV line the record starts on, when the task is one. */
  line: number | null;
  name: string | null;
  record: readonly { column: string; value: string }[] | null;
  error: TaskError | null;
}

export interface TaskPage {
  rows: TaskRow[];
  hasNextPage: boolean;
  endCursor: string | null;
}

const lineOfMeta = (meta: unknown): number | null => {
  const line = meta !== null && typeof meta === 'object' ? (meta as Record<string, unknown>)['csvDataLine'] : undefined;
  return typeof line === 'number' ? line : null;
};

export function taskPageOf(node: Node | null | undefined): TaskPage | null {
  if (!node) return null;
  let connection: Registry | Generic | null = null;
  const rows: TaskRow[] = [];
  if ('registryTasks' in node) {
    connection = node.registryTasks;
    for (const task of connection.nodes ?? []) {
      if (task) rows.push({ id: task.id, databaseId: task.databaseId, status: task.status, line: task.meta?.csvDataLine ?? null, name: null, record: task.record ?? null, error: task.error ?? null });
    }
  } else if ('genericTasks' in node) {
    connection = node.genericTasks;
    for (const task of connection.nodes ?? []) {
      if (task) rows.push({ id: task.id, databaseId: task.databaseId, status: task.status, line: lineOfMeta(task.meta), name: task.name ?? null, record: null, error: task.error ?? null });
    }
  }
  if (!connection) return null;
  return { rows, hasNextPage: connection.pageInfo.hasNextPage, endCursor: connection.pageInfo.endCursor ?? null };
}
