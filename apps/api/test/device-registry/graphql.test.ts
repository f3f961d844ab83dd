import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cancelJob, createJob, type Executor, type JobRecord, type Outcome, runChunk, type StoredTask } from '@jabba/domain/engine';
import { deviceRegistryJob } from '@jabba/domain/device-registry';
import { createLogger } from '@jabba/domain/platform';
import { expectPages, isoMicros, type Page } from '../expect';
import { createTestApi, type Caller, type TestApi } from '../support';
import { toGlobalId } from '../../src/platform/global-ids';

const readScope = 'device_registry_job:read';
const writeScope = 'device_registry:write';
const header = 'classification_type,manufacturer_name,manufacturer_country,model_number,packaging_type,packaging_count,packaging_unit,is_active,device_names.name,device_names.type';
const csv = `${header}\nIIa,Acme,UA,M-1,box,10,piece,true,Thermometer,USER_PROVIDED\nIIb,Acme,DE,M-2,pack,5,ml,false,Syringe|Needle,USER_PROVIDED|PATIENT_REPORTED\n`;

type Verdict = 'PROCESSED' | 'FAILED' | 'RESCUED';

/** The outcome a handler would give line `csvDataLine`; a created device's id is derived from it. */
function outcome(verdict: Verdict, task: StoredTask): Outcome {
  const line = task.meta?.csvDataLine as number;
  if (verdict === 'PROCESSED') return { status: 'PROCESSED', result: null, error: null, meta: { databaseId: deviceId(line) } };
  if (verdict === 'FAILED') {
    return { status: 'FAILED', result: null, error: { message: `Line ${line}, column "model_number": is required`, extensions: { code: 'VALIDATION_ERROR' } }, meta: null };
  }
  return { status: 'RESCUED', result: null, error: rescuedError, meta: null };
}
const errorId = randomUUID();
// What the engine stores for an exception (apps/worker/test/engine/rescued-errors.test.ts).
const rescuedError = { message: `An unexpected error occurred; quote error id ${errorId} to your operator`, extensions: { code: 'INTERNAL_ERROR', errorId } };
const deviceId = (line: number): string => `00000000-0000-4000-8000-${String(line).padStart(12, '0')}`;

describe('device registry jobs over GraphQL', () => {
  let api: TestApi;
  let owner: Caller;
  let stranger: Caller;
  const logger = createLogger('silent', 'test');

  /** A device registry job as an upload leaves it: one PENDING task per data line (lines 2…n+1). */
  async function deviceJob(clientId: string, lines: number): Promise<JobRecord> {
    const { job } = await createJob(api.em(), {
      type: deviceRegistryJob.type,
      strategy: 'CONCURRENT',
      meta: { registerType: 'MANUFACTURER', reasonDescription: 'Quarterly update', csvHeader: header },
      clientId,
      userId: randomUUID(),
      tasks: Array.from({ length: lines }, (_, i) => ({ name: deviceRegistryJob.taskName, meta: { csvDataLine: i + 2 }, input: `line ${i + 2}` })),
    });
    return job;
  }

  /** Runs tasks fromSeq… of `job` as a worker would, with the verdicts given in order. */
  async function settle(job: JobRecord, verdicts: Verdict[], fromSeq = 1): Promise<void> {
    const execute: Executor = async (tasks) => tasks.map((t) => outcome(verdicts[t.seq - fromSeq] ?? 'PROCESSED', t));
    await runChunk(api.em(), { jobId: job.id, epoch: job.epoch, fromSeq, toSeq: fromSeq + verdicts.length - 1 }, execute, logger);
  }

  const taskIds = async (jobId: string): Promise<string[]> =>
    (await api.em().execute<{ id: string }[]>('select id from tasks where job_id = ? order by seq', [jobId])).map((r) => r.id);

  beforeAll(async () => {
    api = await createTestApi();
    owner = await api.caller({ scopes: [readScope, writeScope] });
    stranger = await api.caller({ scopes: [readScope, writeScope] });
  });
  afterAll(() => api.close());

  describe('refuses callers in the order of SPEC §3', () => {
    const operations = [
      { field: 'deviceRegistryJob', scope: readScope, query: `{ deviceRegistryJob(id: "${toGlobalId('DeviceRegistryJob', randomUUID())}") { id } }`, data: { deviceRegistryJob: null } },
      { field: 'deviceRegistryJobs', scope: readScope, query: '{ deviceRegistryJobs { nodes { id } } }', data: null },
      {
        field: 'uploadDeviceRegistry',
        scope: writeScope,
        query: `mutation { uploadDeviceRegistry(input: { registerType: "MANUFACTURER", reasonDescription: "x", csvData: ${JSON.stringify(csv)} }) { deviceRegistryJob { id } } }`,
        data: { uploadDeviceRegistry: null },
      },
    ];

    it.each(operations)('$field', async ({ field, scope, query, data }) => {
      const other = scope === readScope ? writeScope : readScope;
      const known = await api.caller({ scopes: [scope] });
      const cases: [string | undefined, string, string, Record<string, unknown>?][] = [
        [undefined, 'UNAUTHENTICATED', 'Invalid access token'],
        [await api.token({ clientId: known.client.id, scopes: [scope], ttl: -60 }), 'UNAUTHENTICATED', 'Invalid access token'],
        [await api.token({ scopes: [scope] }), 'UNAUTHENTICATED', 'Invalid access token'],
        [
          (await api.caller({ scopes: [other], clientType: 'MIS', clientStatus: 'SUSPENDED' })).token,
          'FORBIDDEN',
          `Your scope does not allow to access this resource. Missing allowances: ${scope}`,
          { missingAllowances: [scope] },
        ],
        [(await api.caller({ scopes: [scope], clientType: 'MIS', clientStatus: 'SUSPENDED' })).token, 'CONFLICT', 'client_id refers to legal entity that is not active'],
        [(await api.caller({ scopes: [scope], clientStatus: 'CLOSED' })).token, 'CONFLICT', 'client_id refers to legal entity that is not active'],
        [(await api.caller({ scopes: [scope], clientType: 'MIS' })).token, 'FORBIDDEN', "You don't have permission to access this resource"],
      ];
      for (const [token, code, message, exception] of cases) {
        const { status, body } = await api.graphql({ query, ...(token ? { token } : {}) });
        expect(status).toBe(200);
        expect(body.data).toEqual(data);
        expect(body.errors?.map((e) => ({ message: e.message, path: e.path, extensions: e.extensions }))).toEqual([
          { message, path: [field], extensions: exception ? { code, exception } : { code } },
        ]);
        expect(body.extensions).toEqual({ requestId: expect.any(String) });
      }
    });
  });

  it('renders a job with its meta, progress and tasks, running and then ended', async () => {
    const job = await deviceJob(owner.client.id, 5);
    await settle(job, ['PROCESSED', 'FAILED', 'RESCUED']);
    const ids = await taskIds(job.id);
    const query = `query ($id: ID!) { deviceRegistryJob(id: $id) {
      __typename id databaseId name status strategy startedAt endedAt registerType reasonDescription dryRun
      progress { total pending processed failed aborted }
      tasks { nodes { __typename id databaseId name status meta { databaseId csvDataLine } endedAt insertedAt updatedAt error { message extensions { code errorId } } } }
    } }`;
    const id = toGlobalId('DeviceRegistryJob', job.id);
    const running = await api.graphql<{ deviceRegistryJob: Record<string, unknown> & { tasks: { nodes: Record<string, unknown>[] } } }>({ query, variables: { id }, token: owner.token });
    expect(running.body.errors).toBeUndefined();
    const view = running.body.data?.deviceRegistryJob;
    expect(view).toMatchObject({
      __typename: 'DeviceRegistryJob',
      id,
      databaseId: job.id,
      name: null,
      status: 'PENDING',
      strategy: 'CONCURRENT',
      startedAt: expect.stringMatching(isoMicros),
      endedAt: null,
      registerType: 'MANUFACTURER',
      reasonDescription: 'Quarterly update',
      // Its meta has no dryRun, as jobs stored before dry runs existed: a real import.
      dryRun: false,
      progress: { total: 5, pending: 2, processed: 1, failed: 2, aborted: 0 },
    });
    const task = (i: number, status: string, meta: Record<string, unknown>, error: Record<string, unknown> | null) => ({
      __typename: 'DeviceRegistryTask',
      id: toGlobalId('DeviceRegistryTask', ids[i]!),
      databaseId: ids[i],
      name: 'Create device definition',
      status,
      meta,
      endedAt: status === 'PENDING' ? null : expect.stringMatching(isoMicros),
      insertedAt: expect.stringMatching(isoMicros),
      updatedAt: expect.stringMatching(isoMicros),
      error,
    });
    expect(view?.tasks.nodes).toEqual([
      task(0, 'PROCESSED', { databaseId: deviceId(2), csvDataLine: 2 }, null),
      task(1, 'FAILED', { databaseId: null, csvDataLine: 3 }, { message: 'Line 3, column "model_number": is required', extensions: { code: 'VALIDATION_ERROR', errorId: null } }),
      task(2, 'RESCUED', { databaseId: null, csvDataLine: 4 }, rescuedError),
      task(3, 'PENDING', { databaseId: null, csvDataLine: 5 }, null),
      task(4, 'PENDING', { databaseId: null, csvDataLine: 6 }, null),
    ]);

    await settle(job, ['PROCESSED', 'PROCESSED'], 4);
    const ended = await api.graphql<{ deviceRegistryJob: Record<string, unknown> }>({ query, variables: { id }, token: owner.token });
    expect(ended.body.data?.deviceRegistryJob).toMatchObject({
      status: 'FAILED',
      startedAt: view?.startedAt,
      endedAt: expect.stringMatching(isoMicros),
      progress: { total: 5, pending: 0, processed: 3, failed: 2, aborted: 0 },
    });
  });

  it('answers null without an error for an unknown id, an id of another type, and another client’s job', async () => {
    const job = await deviceJob(owner.client.id, 1);
    const [taskId] = await taskIds(job.id);
    const cases: [string, string][] = [
      [toGlobalId('DeviceRegistryJob', randomUUID()), owner.token],
      [toGlobalId('GenericJob', job.id), owner.token],
      [toGlobalId('DeviceRegistryTask', taskId!), owner.token],
      [toGlobalId('DeviceRegistryJob', job.id), stranger.token],
    ];
    for (const [id, token] of cases) {
      const { body } = await api.graphql({ query: 'query ($id: ID!) { deviceRegistryJob(id: $id) { id } }', variables: { id }, token });
      expect(body).toEqual({ data: { deviceRegistryJob: null }, extensions: { requestId: expect.any(String) } });
    }
    const { body } = await api.graphql({ query: '{ deviceRegistryJob(id: "nope") { id } }', token: owner.token });
    expect(body.errors?.[0]).toMatchObject({
      message: 'Validation failed',
      path: ['deviceRegistryJob'],
      extensions: { code: 'UNPROCESSABLE_ENTITY', exception: { inputErrors: [{ path: '$.id', message: 'is not a valid global id' }] } },
    });
  });

  it('resolves DeviceRegistryJob and DeviceRegistryTask through node(id), behind the same checks', async () => {
    const job = await deviceJob(owner.client.id, 2);
    await settle(job, ['FAILED']);
    const [failedId] = await taskIds(job.id);
    const query = `query ($id: ID!) { node(id: $id) { __typename id
      ... on DeviceRegistryJob { databaseId registerType progress { total failed } }
      ... on DeviceRegistryTask { databaseId status meta { csvDataLine } error { extensions { code } } }
    } }`;
    const jobId = toGlobalId('DeviceRegistryJob', job.id);
    const taskId = toGlobalId('DeviceRegistryTask', failedId!);
    expect((await api.graphql({ query, variables: { id: jobId }, token: owner.token })).body.data).toEqual({
      node: { __typename: 'DeviceRegistryJob', id: jobId, databaseId: job.id, registerType: 'MANUFACTURER', progress: { total: 2, failed: 1 } },
    });
    expect((await api.graphql({ query, variables: { id: taskId }, token: owner.token })).body.data).toEqual({
      node: { __typename: 'DeviceRegistryTask', id: taskId, databaseId: failedId, status: 'FAILED', meta: { csvDataLine: 2 }, error: { extensions: { code: 'VALIDATION_ERROR' } } },
    });
    // Under another type name, or for another client: null, as if absent.
    for (const [id, token] of [[toGlobalId('Task', failedId!), owner.token], [toGlobalId('GenericJob', job.id), owner.token], [taskId, stranger.token]] as const) {
      expect((await api.graphql({ query, variables: { id }, token })).body).toEqual({ data: { node: null }, extensions: { requestId: expect.any(String) } });
    }
    const writer = await api.caller({ scopes: [writeScope] });
    const refused = await api.graphql({ query, variables: { id: taskId }, token: writer.token });
    expect(refused.body.errors?.map((e) => [e.message, e.extensions])).toEqual([
      [`Your scope does not allow to access this resource. Missing allowances: ${readScope}`, { code: 'FORBIDDEN', exception: { missingAllowances: [readScope] } }],
    ]);
  });

  it('refuses a bad upload with UNPROCESSABLE_ENTITY and leaves no job behind', async () => {
    const uploader = await api.caller({ scopes: [writeScope] });
    const cases: [Record<string, string>, string, string][] = [
      [{ csvData: `${header},colour\nIIa,Acme,UA,M-1,box,10,piece,true,Thermometer,USER_PROVIDED,red\n` }, '$.csvData', 'Line 1: the header row has unknown columns "colour"'],
      [{ registerType: '  ' }, '$.registerType', 'registerType is required'],
    ];
    for (const [change, path, message] of cases) {
      const { body } = await api.graphql({
        query: 'mutation ($input: UploadDeviceRegistryInput!) { uploadDeviceRegistry(input: $input) { deviceRegistryJob { id } } }',
        variables: { input: { registerType: 'MANUFACTURER', reasonDescription: 'Quarterly update', csvData: csv, ...change } },
        token: uploader.token,
      });
      expect(body.data).toEqual({ uploadDeviceRegistry: null });
      expect(body.errors?.map((e) => [e.message, e.path, e.extensions])).toEqual([
        [message, ['uploadDeviceRegistry'], { code: 'UNPROCESSABLE_ENTITY', exception: { inputErrors: [{ path, message }] } }],
      ]);
    }
    const [row] = await api.em().execute<{ n: string }[]>('select count(*) as n from jobs where client_id = ?', [uploader.client.id]);
    expect(Number(row?.n)).toBe(0);
  });

  it('creates a job from an uploaded CSV and queues its tasks', async () => {
    const uploader = await api.caller({ scopes: [writeScope, readScope] });
    const { body } = await api.graphql<{ uploadDeviceRegistry: { deviceRegistryJob: Record<string, unknown> & { databaseId: string } } }>({
      query: `mutation ($input: UploadDeviceRegistryInput!) { uploadDeviceRegistry(input: $input) { deviceRegistryJob {
        __typename databaseId name status strategy startedAt endedAt registerType reasonDescription dryRun progress { total pending }
        tasks { nodes { name status meta { databaseId csvDataLine } error { message } } }
      } } }`,
      variables: { input: { registerType: 'MANUFACTURER', reasonDescription: 'Quarterly update', csvData: csv } },
      token: uploader.token,
    });
    expect(body.errors).toBeUndefined();
    const job = body.data?.uploadDeviceRegistry.deviceRegistryJob;
    expect(job).toEqual({
      __typename: 'DeviceRegistryJob',
      databaseId: expect.any(String),
      name: 'Upload device definition registry',
      status: 'PENDING',
      strategy: 'CONCURRENT',
      startedAt: expect.stringMatching(isoMicros),
      endedAt: null,
      registerType: 'MANUFACTURER',
      reasonDescription: 'Quarterly update',
      dryRun: false,
      progress: { total: 2, pending: 2 },
      tasks: {
        nodes: [2, 3].map((line) => ({ name: 'Create device definition', status: 'PENDING', meta: { databaseId: null, csvDataLine: line }, error: null })),
      },
    });
    const [stored] = await api.em().execute<{ client_id: string; meta: Record<string, unknown> }[]>('select client_id, meta from jobs where id = ?', [job?.databaseId]);
    expect(stored).toEqual({ client_id: uploader.client.id, meta: { registerType: 'MANUFACTURER', reasonDescription: 'Quarterly update', csvHeader: header, dryRun: false } });
    expect(await api.deps.tasksQueue.getJob(`${job?.databaseId}.0.1`)).toBeDefined();
  });

  it('pages a job\'s tasks by status and in every order, forwards and backwards', async () => {
    const verdicts: Verdict[] = ['PROCESSED', 'FAILED', 'RESCUED', 'PROCESSED', 'FAILED', 'PROCESSED', 'FAILED'];
    const job = await deviceJob(owner.client.id, 9);
    await settle(job, verdicts);
    const ids = await taskIds(job.id);
    const tasks = ids.map((id, i) => ({ id, seq: i + 1, status: verdicts[i] ?? 'PENDING' }));
    type T = (typeof tasks)[number];
    const orders: Record<string, (a: T, b: T) => number> = {
      INSERTED_AT_ASC: (a, b) => a.seq - b.seq,
      INSERTED_AT_DESC: (a, b) => b.seq - a.seq,
      STATUS_ASC: (a, b) => a.status.localeCompare(b.status) || a.seq - b.seq,
      STATUS_DESC: (a, b) => b.status.localeCompare(a.status) || b.seq - a.seq,
    };
    const query = `query ($id: ID!, $filter: TaskFilter, $orderBy: TaskOrderBy, $first: Int, $last: Int, $after: String, $before: String) {
      deviceRegistryJob(id: $id) { tasks(filter: $filter, orderBy: $orderBy, first: $first, last: $last, after: $after, before: $before) {
        ${connectionFields}
      } } }`;
    for (const [orderBy, compare] of Object.entries(orders)) {
      for (const status of [null, 'FAILED']) {
        const expected = tasks.filter((t) => status === null || t.status === status).sort(compare).map((t) => t.id);
        await expectPages(expected, 2, async (args) => {
          const variables = { id: toGlobalId('DeviceRegistryJob', job.id), filter: status ? { status } : null, orderBy, ...args };
          const { body } = await api.graphql<{ deviceRegistryJob: { tasks: Page } }>({ query, variables, token: owner.token });
          expect(body.errors).toBeUndefined();
          return body.data!.deviceRegistryJob.tasks;
        });
      }
    }
  });

  it('lists only the caller\'s client\'s device registry jobs, filtered, in both orders, page by page', async () => {
    const lister = await api.caller({ scopes: [readScope, writeScope] });
    const jobs = [];
    // Two jobs share an insert time: the id decides between them.
    // Microsecond ISO strings in UTC, so text order is time order (a JS Date would drop the micros).
    const times = ['2026-11-20T10:00:00.000001Z', '2026-11-20T10:00:00.000002Z', '2026-11-20T10:00:00.000002Z', '2026-11-20T11:00:00.000000Z', '2026-11-21T09:30:00.500000Z', '2026-11-22T00:00:00.000000Z'];
    for (const [i, insertedAt] of times.entries()) {
      const job = await deviceJob(lister.client.id, 1);
      await api.em().execute('update jobs set inserted_at = ? where id = ?', [insertedAt, job.id]);
      if (i % 3 === 1) await cancelJob(api.em(), job.id);
      if (i % 3 === 2) await settle(job, ['PROCESSED']);
      jobs.push({ id: job.id, insertedAt, status: ['PENDING', 'FAILED', 'PROCESSED'][i % 3] });
    }
    await deviceJob(stranger.client.id, 1);
    await createJob(api.em(), { type: 'test_import', clientId: lister.client.id, tasks: [{}] });
    type J = (typeof jobs)[number];
    const ascending = (a: J, b: J) => (a.insertedAt === b.insertedAt ? (a.id < b.id ? -1 : 1) : a.insertedAt < b.insertedAt ? -1 : 1);
    const query = `query ($filter: DeviceRegistryJobFilter, $orderBy: DeviceRegistryJobOrderBy, $first: Int, $last: Int, $after: String, $before: String) {
      deviceRegistryJobs(filter: $filter, orderBy: $orderBy, first: $first, last: $last, after: $after, before: $before) { ${connectionFields} } }`;
    const list = async (variables: Record<string, unknown>): Promise<Page> => {
      const { body } = await api.graphql<{ deviceRegistryJobs: Page }>({ query, variables, token: lister.token });
      expect(body.errors).toBeUndefined();
      return body.data!.deviceRegistryJobs;
    };

    // STARTED_AT_DESC by default.
    expect((await list({})).nodes.map((n) => n.databaseId)).toEqual([...jobs].sort(ascending).reverse().map((j) => j.id));
    for (const orderBy of ['STARTED_AT_ASC', 'STARTED_AT_DESC']) {
      for (const status of [null, 'PENDING', 'FAILED']) {
        const sorted = jobs.filter((j) => status === null || j.status === status).sort(ascending);
        const expected = (orderBy === 'STARTED_AT_ASC' ? sorted : sorted.reverse()).map((j) => j.id);
        await expectPages(expected, 2, (args) => list({ orderBy, filter: status ? { status } : null, ...args }));
      }
    }

    const { body } = await api.graphql({ query, variables: { after: 'bm9wZQ==' }, token: lister.token });
    expect(body.data).toBeNull();
    expect(body.errors?.map((e) => [e.message, e.extensions])).toEqual([
      ['Validation failed', { code: 'UNPROCESSABLE_ENTITY', exception: { inputErrors: [{ path: '$.after', message: 'is not a valid cursor' }] } }],
    ]);
  });
});

const connectionFields = 'pageInfo { hasNextPage hasPreviousPage startCursor endCursor } nodes { databaseId } edges { cursor node { databaseId } }';
