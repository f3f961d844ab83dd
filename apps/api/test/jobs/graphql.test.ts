import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isoMicros } from '../expect';
import { type Caller, createTestApi, type TestApi } from '../support';
import { toGlobalId } from '../../src/platform/global-ids';
import { normalizeDateTime } from '@jabba/domain/platform';

const jobQuery = `query ($id: ID!) {
  node(id: $id) {
    __typename
    id
    ... on Job { databaseId name status strategy startedAt endedAt progress { total pending processed failed aborted } }
    ... on GenericJob { type meta }
  }
}`;

const taskQuery = `query ($id: ID!) {
  node(id: $id) {
    __typename
    id
    ... on Task {
      databaseId name status priority meta result endedAt insertedAt updatedAt
      error { message extensions { code } }
    }
  }
}`;

describe('jobs and tasks through node(id)', () => {
  let api: TestApi;
  let owner: Caller;
  let stranger: Caller;
  const jobId = randomUUID();
  const failedTaskId = randomUUID();
  const corruptTaskId = randomUUID();

  beforeAll(async () => {
    api = await createTestApi();
    owner = await api.caller();
    stranger = await api.caller();
    const em = api.em();
    // The counters deliberately disagree with the two task rows: progress must come from them.
    await em.execute(
      `insert into jobs (id, name, type, strategy, status, meta, client_id, chunk_size,
         tasks_total, tasks_new, tasks_pending, tasks_consumed, tasks_processed, tasks_failed, tasks_rescued, tasks_aborted,
         ended_at, inserted_at)
       values (?, 'Nightly import', 'test_import', 'CONCURRENT', 'FAILED', '{"source":"test","lines":11}', ?, 100,
         11, 1, 2, 3, 1, 1, 2, 1, '2026-11-22T10:30:00.000100Z', '2026-11-22 12:29:32.099359+02')`,
      [jobId, owner.client.id],
    );
    await em.execute(
      `insert into tasks (id, job_id, seq, name, priority, status, meta, result, error, ended_at, inserted_at) values
         (?, ?, 1, 'Create device definition', 3, 'FAILED', '{"csvDataLine":2}', '[1,"two"]',
          '{"message":"model_number is required","extensions":{"code":"VALIDATION_ERROR"}}',
          '2026-11-22T10:29:33.000001Z', '2026-11-22T10:29:32.5Z'),
         (?, ?, 2, null, 0, 'NEW', null, null, '{"message":"stored without extensions"}', null, now())`,
      [failedTaskId, jobId, corruptTaskId, jobId],
    );
  });
  afterAll(() => api.close());

  it('resolves a GenericJob for the client that owns it, progress read from the stored counters', async () => {
    const id = toGlobalId('GenericJob', jobId);
    const { status, body } = await api.graphql({ query: jobQuery, variables: { id }, token: owner.token });
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(body.data).toEqual({
      node: {
        __typename: 'GenericJob',
        id,
        databaseId: jobId,
        name: 'Nightly import',
        status: 'FAILED',
        strategy: 'CONCURRENT',
        startedAt: '2026-11-22T10:29:32.099359Z',
        endedAt: '2026-11-22T10:30:00.000100Z',
        progress: { total: 11, pending: 6, processed: 1, failed: 3, aborted: 1 },
        type: 'test_import',
        meta: { source: 'test', lines: 11 },
      },
    });
    expect(Buffer.from(id, 'base64').toString()).toBe(`GenericJob:${jobId}`);
  });

  it("hides another client's job and task as null, without an error", async () => {
    for (const id of [toGlobalId('GenericJob', jobId), toGlobalId('Task', failedTaskId)]) {
      const { body } = await api.graphql({ query: 'query ($id: ID!) { node(id: $id) { id } }', variables: { id }, token: stranger.token });
      expect(body).toEqual({ data: { node: null }, extensions: { requestId: expect.any(String) } });
    }
  });

  it('answers null for a well-formed id of an unknown row or type', async () => {
    for (const id of [toGlobalId('GenericJob', randomUUID()), toGlobalId('Task', randomUUID()), toGlobalId('Spaceship', jobId)]) {
      const { body } = await api.graphql({ query: 'query ($id: ID!) { node(id: $id) { id } }', variables: { id }, token: owner.token });
      expect(body.data).toEqual({ node: null });
      expect(body.errors).toBeUndefined();
    }
  });

  it('does not resolve a job under another type name', async () => {
    const { body } = await api.graphql({ query: '{ node(id: "' + toGlobalId('Task', jobId) + '") { id } }', token: owner.token });
    expect(body.data).toEqual({ node: null });
  });

  it('resolves a Task with its error, JSON meta and result, and microsecond timestamps', async () => {
    const id = toGlobalId('Task', failedTaskId);
    const { body } = await api.graphql({ query: taskQuery, variables: { id }, token: owner.token });
    expect(body.errors).toBeUndefined();
    expect(body.data).toEqual({
      node: {
        __typename: 'Task',
        id,
        databaseId: failedTaskId,
        name: 'Create device definition',
        status: 'FAILED',
        priority: 3,
        meta: { csvDataLine: 2 },
        result: [1, 'two'],
        endedAt: '2026-11-22T10:29:33.000001Z',
        insertedAt: '2026-11-22T10:29:32.500000Z',
        updatedAt: expect.stringMatching(isoMicros),
        error: { message: 'model_number is required', extensions: { code: 'VALIDATION_ERROR' } },
      },
    });
  });

  it('lists tasks with their errors through the job', async () => {
    const query = `query ($id: ID!) { node(id: $id) { ... on GenericJob { tasks(filter: { status: FAILED }) {
      nodes { databaseId status error { message extensions { code } } }
    } } } }`;
    const { body } = await api.graphql({ query, variables: { id: toGlobalId('GenericJob', jobId) }, token: owner.token });
    expect(body.data).toEqual({
      node: {
        tasks: {
          nodes: [
            {
              databaseId: failedTaskId,
              status: 'FAILED',
              error: { message: 'model_number is required', extensions: { code: 'VALIDATION_ERROR' } },
            },
          ],
        },
      },
    });
  });

  it('masks a stored error that breaks the TaskError contract as INTERNAL_SERVER_ERROR', async () => {
    const id = toGlobalId('Task', corruptTaskId);
    const { status, body } = await api.graphql({ query: taskQuery, variables: { id }, token: owner.token });
    expect(status).toBe(200);
    // The non-null violation nulls the nearest nullable field, `error`; the rest of the task stands.
    expect(body.data).toMatchObject({ node: { databaseId: corruptTaskId, status: 'NEW', error: null } });
    expect(body.errors).toEqual([
      {
        message: 'Internal server error',
        locations: [{ line: 7, column: 23 }],
        path: ['node', 'error', 'extensions'],
        extensions: { code: 'INTERNAL_SERVER_ERROR' },
      },
    ]);
  });
});

describe('DateTime input', () => {
  it('normalises to UTC with six fractional digits, keeping microseconds exactly', () => {
    expect(normalizeDateTime('2026-11-22T12:29:32.099359+02:00')).toBe('2026-11-22T10:29:32.099359Z');
    expect(normalizeDateTime('2026-11-22T10:29:32Z')).toBe('2026-11-22T10:29:32.000000Z');
    expect(normalizeDateTime('2026-01-01T00:30:00.5-01:30')).toBe('2026-01-01T02:00:00.500000Z');
  });

  it('refuses what is not an ISO-8601 timestamp with a zone', () => {
    for (const bad of ['2026-02-30T00:00:00Z', '2026-11-22T10:29:32', '2026-11-22 10:29:32Z', '2026-11-22T24:00:00Z', '2026-11-22T10:29:32.1234567Z']) {
      expect(normalizeDateTime(bad)).toBeNull();
    }
  });
});
