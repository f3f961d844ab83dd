/**
 * The tasks of every job on a page of `deviceRegistryJobs` are read together: the statements a
 * query runs do not grow with the number of jobs (one per level and task window), and each job
 * still gets its own page, flags and cursors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJob } from '@jabba/domain/engine';
import { deviceRegistryJob } from '@jabba/domain/device-registry';
import { createTestApi, type Caller, type TestApi } from '../support';

interface TaskPage {
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean };
  edges: { cursor: string; node: { meta: { csvDataLine: number } } }[];
}
interface JobNode {
  databaseId: string;
  firstTwo: TaskPage;
  lastOne: TaskPage;
}

const lines = (page: TaskPage): number[] => page.edges.map((e) => e.node.meta.csvDataLine);

describe('task connections under a page of device registry jobs', () => {
  let api: TestApi;
  let lister: Caller;
  /** Job ids, newest first (the list's default order); job i has 3 + i % 2 tasks. */
  const jobIds: string[] = [];

  beforeAll(async () => {
    api = await createTestApi();
    lister = await api.caller({ scopes: ['device_registry_job:read'] });
    for (let i = 0; i < 20; i++) {
      const { job } = await createJob(api.em(), {
        type: deviceRegistryJob.type,
        meta: { registerType: 'MANUFACTURER', reasonDescription: `job ${i}` },
        clientId: lister.client.id,
        tasks: Array.from({ length: 3 + (i % 2) }, (_, t) => ({ name: deviceRegistryJob.taskName, meta: { csvDataLine: t + 2 } })),
      });
      await api.em().execute(`update jobs set inserted_at = '2026-11-20T10:00:00Z'::timestamptz + ? * interval '1 second' where id = ?`, [i, job.id]);
      jobIds.unshift(job.id);
    }
  });
  afterAll(() => api.close());

  /** The statements a query runs besides authentication's client lookup, and its jobs. */
  async function run(query: string, variables: Record<string, unknown>): Promise<{ statements: string[]; jobs: JobNode[] }> {
    const knex = api.orm.em.getConnection().getKnex();
    const statements: string[] = [];
    const record = ({ sql }: { sql: string }) => statements.push(sql);
    knex.on('query', record);
    try {
      const { body } = await api.graphql<{ deviceRegistryJobs: { nodes: JobNode[] } }>({ query, variables, token: lister.token });
      expect(body.errors).toBeUndefined();
      return { statements: statements.filter((sql) => !/\bfrom clients\b/.test(sql)), jobs: body.data!.deviceRegistryJobs.nodes };
    } finally {
      knex.off('query', record);
    }
  }

  const taskFields = 'pageInfo { hasNextPage hasPreviousPage } edges { cursor node { meta { csvDataLine } } }';
  const jobsWithTasks = `query ($n: Int, $after: String) { deviceRegistryJobs(first: $n) { nodes {
    databaseId firstTwo: tasks(first: 2, after: $after) { ${taskFields} } lastOne: tasks(last: 1) { ${taskFields} } } } }`;

  it('reads the tasks of 20 jobs with as many statements as of 2: one for the jobs, one per task window', async () => {
    const few = await run(jobsWithTasks, { n: 2 });
    const many = await run(jobsWithTasks, { n: 20 });
    expect(many.jobs.map((j) => j.databaseId)).toEqual(jobIds);
    expect(few.statements).toHaveLength(3);
    expect(many.statements).toHaveLength(3);
    for (const [i, job] of many.jobs.entries()) {
      // Newest first: job 19 - i, which has 3 + (19 - i) % 2 tasks (csv lines 2…).
      const last = 4 + ((19 - i) % 2);
      expect(lines(job.firstTwo)).toEqual([2, 3]);
      expect(job.firstTwo.pageInfo).toEqual({ hasNextPage: true, hasPreviousPage: false });
      expect(lines(job.lastOne)).toEqual([last]);
      expect(job.lastOne.pageInfo).toEqual({ hasNextPage: false, hasPreviousPage: true });
    }
  });

  it('applies a cursor to each job of the batch, with each job’s own flags', async () => {
    const first = await run(jobsWithTasks, { n: 20 });
    // A task cursor holds (seq, status): the first task's cursor is the same in every job.
    const after = first.jobs[0]!.firstTwo.edges[0]!.cursor;
    const { statements, jobs } = await run(jobsWithTasks, { n: 20, after });
    expect(statements).toHaveLength(3);
    for (const [i, job] of jobs.entries()) {
      const count = 3 + ((19 - i) % 2);
      expect(lines(job.firstTwo)).toEqual([3, 4]);
      expect(job.firstTwo.pageInfo).toEqual({ hasNextPage: count > 3, hasPreviousPage: true });
    }
  });

  it('gives a job without tasks an empty page', async () => {
    const { job } = await createJob(api.em(), { type: deviceRegistryJob.type, meta: { registerType: 'MANUFACTURER', reasonDescription: 'empty' }, clientId: lister.client.id, tasks: [] });
    const { jobs } = await run(jobsWithTasks, { n: 2 });
    expect(jobs[0]).toEqual({
      databaseId: job.id,
      firstTwo: { pageInfo: { hasNextPage: false, hasPreviousPage: false }, edges: [] },
      lastOne: { pageInfo: { hasNextPage: false, hasPreviousPage: false }, edges: [] },
    });
    expect(jobs[1]!.databaseId).toBe(jobIds[0]);
  });
});
