/**
 * `jobs` and `jobTypes` (issue 12): the caller's client's jobs of every type it may read, in one
 * keyset-paged list; a type whose checks look at each job (destination transitions) has each row
 * checked, and the rows that fail are left out of the page.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJob } from '@jabba/domain/engine';
import { deviceRegistryJob } from '@jabba/domain/device-registry';
import { destinationTransitionJob } from '@jabba/domain/destinations';
import { mergeCandidateImportJob } from '@jabba/domain/merge-review';
import { createTestApi, type Caller, type TestApi } from '../support';

interface JobsPage {
  jobs: {
    nodes: { databaseId: string; jobType: string; status: string; __typename: string }[];
    pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; endCursor: string | null };
  };
}

const jobsQuery = `query ($filter: JobFilter, $orderBy: JobOrderBy, $first: Int, $after: String, $last: Int) {
  jobs(filter: $filter, orderBy: $orderBy, first: $first, after: $after, last: $last) {
    nodes { __typename databaseId jobType status }
    pageInfo { hasNextPage hasPreviousPage endCursor }
  }
}`;

describe('jobs of every type', () => {
  let api: TestApi;
  let caller: Caller;
  /** The caller's jobs, oldest first. */
  const mine: { id: string; type: string }[] = [];
  let managed: string;
  let unmanaged: string;

  async function job(clientId: string, type: string, meta: Record<string, unknown> = {}): Promise<string> {
    return (await createJob(api.em(), { type, strategy: 'CONCURRENT', clientId, tasks: [{ meta }] })).job.id;
  }

  beforeAll(async () => {
    api = await createTestApi();
    [managed, unmanaged] = [randomUUID(), randomUUID()];
    caller = await api.caller({ scopes: ['device_registry_job:read', `manage:destination:${managed}`] });
    const other = await api.caller();
    for (const [type, meta] of [
      [deviceRegistryJob.type, {}],
      [destinationTransitionJob.type, { destinationId: managed, status: 'inactive' }],
      [mergeCandidateImportJob.type, {}],
      [deviceRegistryJob.type, {}],
      [destinationTransitionJob.type, { destinationId: unmanaged, status: 'inactive' }],
      ['test_generic', {}],
    ] as const) {
      mine.push({ id: await job(caller.client.id, type, meta), type });
    }
    await job(other.client.id, deviceRegistryJob.type);
    await api.em().execute(`update jobs set status = 'PROCESSED', ended_at = now() where id = ?`, [mine[3]!.id]);
  });
  afterAll(() => api.close());

  const list = async (variables: Record<string, unknown> = {}) => {
    const { body } = await api.graphql<JobsPage>({ query: jobsQuery, variables, token: caller.token });
    expect(body.errors).toBeUndefined();
    return body.data!.jobs;
  };
  const readable = () => mine.filter((j, i) => i !== 2 && i !== 4);

  it('lists the caller’s client’s jobs of the types it may read, newest first, each with its jobType', async () => {
    const { nodes, pageInfo } = await list();
    expect(nodes.map((n) => n.databaseId)).toEqual(readable().map((j) => j.id).reverse());
    expect(nodes.map((n) => [n.jobType, n.__typename])).toEqual([
      ['test_generic', 'GenericJob'],
      [deviceRegistryJob.type, 'DeviceRegistryJob'],
      [destinationTransitionJob.type, 'GenericJob'],
      [deviceRegistryJob.type, 'DeviceRegistryJob'],
    ]);
    expect(pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: false });
  });

  it('names the types it may read in jobTypes', async () => {
    const { body } = await api.graphql({ query: '{ jobTypes }', token: caller.token });
    expect(body.data).toEqual({ jobTypes: [destinationTransitionJob.type, 'test_generic', 'test_import', deviceRegistryJob.type] });
    // A transition job's checks are all per job (the scope of each destination it changes): its type
    // is named to anyone, and each of its jobs shown only to who passes them.
    const nobody = await api.caller({ clientStatus: 'SUSPENDED' });
    expect((await api.graphql({ query: '{ jobTypes jobs { nodes { id } } }', token: nobody.token })).body.data)
      .toEqual({ jobTypes: [destinationTransitionJob.type], jobs: { nodes: [] } });
  });

  it('filters by type and status, and orders oldest first when asked', async () => {
    const byType = await list({ filter: { type: [deviceRegistryJob.type, mergeCandidateImportJob.type] }, orderBy: 'STARTED_AT_ASC' });
    expect(byType.nodes.map((n) => n.databaseId)).toEqual([mine[0]!.id, mine[3]!.id]);
    const byStatus = await list({ filter: { status: ['PROCESSED'] } });
    expect(byStatus.nodes.map((n) => n.databaseId)).toEqual([mine[3]!.id]);
    const both = await list({ filter: { type: ['test_generic'], status: ['PENDING', 'FAILED'] } });
    expect(both.nodes.map((n) => n.databaseId)).toEqual([mine[5]!.id]);
  });

  it('pages with cursors; a page holding a job the caller may not read is shorter, and paging goes on past it', async () => {
    const seen: string[] = [];
    const sizes: number[] = [];
    let after: string | null = null;
    for (;;) {
      const page: JobsPage['jobs'] = await list({ first: 2, orderBy: 'STARTED_AT_ASC', after });
      seen.push(...page.nodes.map((n) => n.databaseId));
      sizes.push(page.nodes.length);
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    // [registry, managed transition] [merge import (type unreadable: not scanned), registry, unmanaged transition (left out)] …
    expect(seen).toEqual(readable().map((j) => j.id));
    expect(sizes).toEqual([2, 1, 1]);
    const last = await list({ last: 1 });
    expect(last.nodes.map((n) => n.databaseId)).toEqual([mine[0]!.id]);
  });

  it('bounds the filter lists', async () => {
    const { body } = await api.graphql({ query: jobsQuery, variables: { filter: { type: Array.from({ length: 51 }, (_, i) => `t${i}`) } }, token: caller.token });
    expect(body.errors?.map((e) => [e.message, e.extensions?.code])).toEqual([['Validation failed', 'UNPROCESSABLE_ENTITY']]);
  });
});
