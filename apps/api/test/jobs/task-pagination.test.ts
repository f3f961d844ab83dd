import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type Caller, type TestApi } from '../support';
import { toGlobalId } from '../../src/platform/global-ids';

// Task n (seq n) gets statuses[n % 7]; FAILED appears twice in the cycle, so 23 tasks hold 7 of them.
const statuses = ['NEW', 'PROCESSED', 'FAILED', 'PENDING', 'FAILED', 'ABORTED', 'RESCUED'] as const;
const taskCount = 23;
const pageSize = 5;

interface Row {
  seq: number;
  status: string;
}
const rows: Row[] = Array.from({ length: taskCount }, (_, i) => ({ seq: i + 1, status: statuses[(i + 1) % 7] ?? 'NEW' }));

const orders = {
  INSERTED_AT_ASC: (a: Row, b: Row) => a.seq - b.seq,
  INSERTED_AT_DESC: (a: Row, b: Row) => b.seq - a.seq,
  STATUS_ASC: (a: Row, b: Row) => (a.status === b.status ? a.seq - b.seq : a.status < b.status ? -1 : 1),
  STATUS_DESC: (a: Row, b: Row) => (a.status === b.status ? b.seq - a.seq : a.status < b.status ? 1 : -1),
};
type Order = keyof typeof orders;

const tasksQuery = `query ($id: ID!, $filter: TaskFilter, $orderBy: TaskOrderBy, $first: Int, $last: Int, $after: String, $before: String) {
  node(id: $id) { ... on GenericJob {
    tasks(filter: $filter, orderBy: $orderBy, first: $first, last: $last, after: $after, before: $before) {
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      nodes { name status }
      edges { cursor node { name } }
    }
  } }
}`;

interface Page {
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  nodes: { name: string; status: string }[];
  edges: { cursor: string; node: { name: string } }[];
}

describe('GenericJob.tasks keyset pagination', () => {
  let api: TestApi;
  let owner: Caller;
  const jobId = randomUUID();
  const bigJobId = randomUUID();

  async function tasks(variables: Record<string, unknown>, job = jobId) {
    const { body } = await api.graphql<{ node: { tasks: Page } | null }>({
      query: tasksQuery,
      variables: { id: toGlobalId('GenericJob', job), ...variables },
      token: owner.token,
    });
    return body;
  }

  async function page(variables: Record<string, unknown>, job = jobId): Promise<Page> {
    const body = await tasks(variables, job);
    expect(body.errors).toBeUndefined();
    const connection = body.data?.node?.tasks;
    if (!connection) throw new Error('no connection');
    expect(connection.edges.map((e) => e.node.name)).toEqual(connection.nodes.map((n) => n.name));
    expect(connection.pageInfo.startCursor).toBe(connection.edges[0]?.cursor ?? null);
    expect(connection.pageInfo.endCursor).toBe(connection.edges.at(-1)?.cursor ?? null);
    return connection;
  }

  beforeAll(async () => {
    api = await createTestApi();
    owner = await api.caller();
    const em = api.em();
    for (const [id, count] of [[jobId, taskCount], [bigJobId, 51]] as const) {
      await em.execute(`insert into jobs (id, type, strategy, status, client_id, chunk_size) values (?, 'test_generic', 'CONCURRENT', 'PENDING', ?, 10)`, [
        id,
        owner.client.id,
      ]);
      const cycle = statuses.map((s) => `'${s}'`).join(', ');
      await em.execute(
        `insert into tasks (job_id, seq, name, status)
         select ?, n, 'Task ' || n, (array[${cycle}])[1 + n % 7] from generate_series(1, ?) n`,
        [id, count],
      );
    }
  });
  afterAll(() => api.close());

  const cases = Object.keys(orders).flatMap((order) => [
    { order: order as Order, status: null },
    { order: order as Order, status: 'FAILED' },
  ]);

  it.each(cases)('pages forward with first/after and backward with last/before: $order, status $status', async ({ order, status }) => {
    const expected = rows.filter((r) => status === null || r.status === status).sort(orders[order]);
    const names = (slice: Row[]) => slice.map((r) => `Task ${r.seq}`);
    const filter = status ? { status } : null;

    let after: string | null = null;
    for (let start = 0; start < expected.length; start += pageSize) {
      const got: Page = await page({ orderBy: order, filter, first: pageSize, after });
      expect(got.nodes.map((n) => n.name)).toEqual(names(expected.slice(start, start + pageSize)));
      expect(got.pageInfo.hasNextPage).toBe(start + pageSize < expected.length);
      expect(got.pageInfo.hasPreviousPage).toBe(start > 0);
      after = got.pageInfo.endCursor;
    }

    let before: string | null = null;
    for (let end = expected.length; end > 0; end -= pageSize) {
      const got: Page = await page({ orderBy: order, filter, last: pageSize, before });
      expect(got.nodes.map((n) => n.name)).toEqual(names(expected.slice(Math.max(0, end - pageSize), end)));
      expect(got.pageInfo.hasPreviousPage).toBe(end - pageSize > 0);
      expect(got.pageInfo.hasNextPage).toBe(end < expected.length);
      before = got.pageInfo.startCursor;
    }
  });

  it('reads a window between two cursors, with exact flags on both sides', async () => {
    const all = await page({ first: 10 });
    const [c2, c7] = [all.edges[2]?.cursor, all.edges[7]?.cursor];
    const forward = await page({ first: 10, after: c2, before: c7 });
    expect(forward.nodes.map((n) => n.name)).toEqual(['Task 4', 'Task 5', 'Task 6', 'Task 7']);
    expect(forward.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: true });
    const backward = await page({ last: 2, after: c2, before: c7 });
    expect(backward.nodes.map((n) => n.name)).toEqual(['Task 6', 'Task 7']);
    expect(backward.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: true });
  });

  it('keeps a cursor valid across orders', async () => {
    const first = await page({ orderBy: 'STATUS_ASC', first: 1 });
    const next = await page({ orderBy: 'INSERTED_AT_ASC', first: 2, after: first.pageInfo.endCursor });
    const seq = Number(first.nodes[0]?.name.replace('Task ', ''));
    expect(next.nodes.map((n) => n.name)).toEqual([`Task ${seq + 1}`, `Task ${seq + 2}`]);
  });

  it('shows 50 tasks when neither first nor last is given', async () => {
    const got = await page({}, bigJobId);
    expect(got.nodes).toHaveLength(50);
    expect(got.nodes[0]?.name).toBe('Task 1');
    expect(got.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    const tail = await page({ last: 500 }, bigJobId);
    expect(tail.nodes).toHaveLength(51);
    expect(tail.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: false });
  });

  it('answers an empty page with false flags and null cursors', async () => {
    const got = await page({ filter: { status: 'CONSUMED' }, first: 5 });
    expect(got).toEqual({ pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null }, nodes: [], edges: [] });
  });

  it.each([
    [{ first: -1 }, [{ path: '$.first', message: 'must be greater than or equal to 0' }]],
    [{ last: 501 }, [{ path: '$.last', message: 'must be less than or equal to 500' }]],
    [{ first: 1, last: 1 }, [{ path: '$.last', message: 'cannot be combined with first' }]],
    [{ after: 'not a cursor' }, [{ path: '$.after', message: 'is not a valid cursor' }]],
    [{ before: Buffer.from('[0,"NEW"]').toString('base64') }, [{ path: '$.before', message: 'is not a valid cursor' }]],
    [
      { first: -2, after: Buffer.from('{"seq":1}').toString('base64'), before: 'WzEsIkZBSUxFRCJd==' },
      [
        { path: '$.first', message: 'must be greater than or equal to 0' },
        { path: '$.after', message: 'is not a valid cursor' },
        { path: '$.before', message: 'is not a valid cursor' },
      ],
    ],
  ])('refuses %j with UNPROCESSABLE_ENTITY', async (args, inputErrors) => {
    const body = await tasks(args);
    expect(body.data).toEqual({ node: null });
    expect(body.errors).toEqual([
      {
        message: 'Validation failed',
        locations: [{ line: 3, column: 5 }],
        path: ['node', 'tasks'],
        extensions: { code: 'UNPROCESSABLE_ENTITY', exception: { inputErrors } },
      },
    ]);
  });
});
