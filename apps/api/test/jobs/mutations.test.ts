import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJob, type Executor, type JobRecord, type Outcome, runChunk } from '@jabba/domain/engine';
import { deviceRegistryJob } from '@jabba/domain/device-registry';
import { createLogger } from '@jabba/domain/platform';
import { isoMicros } from '../expect';
import { createTestApi, type Caller, type TestApi } from '../support';
import { toGlobalId } from '../../src/platform/global-ids';

const writeScope = 'device_registry:write';
const readScope = 'device_registry_job:read';

const jobFields = '__typename id status endedAt progress { total pending processed failed aborted }';
const cancel = `mutation ($id: ID!) { cancelJob(input: { id: $id }) { job { ${jobFields} } } }`;
const retry = `mutation ($id: ID!) { retryFailedTasks(input: { id: $id }) { job { ${jobFields} } } }`;

const outcomes: Record<Outcome['status'], Outcome> = {
  PROCESSED: { status: 'PROCESSED', result: null, error: null, meta: { databaseId: randomUUID() } },
  FAILED: { status: 'FAILED', result: null, error: { message: 'Line 3, column "x": is required', extensions: { code: 'VALIDATION_ERROR' } }, meta: null },
  RESCUED: { status: 'RESCUED', result: null, error: { message: 'database went away', extensions: { code: 'INTERNAL_ERROR' } }, meta: null },
};

describe('cancelJob and retryFailedTasks', () => {
  let api: TestApi;
  let owner: Caller;
  const logger = createLogger('silent', 'test');

  const deviceJob = async (clientId: string, lines: number): Promise<JobRecord> =>
    (
      await createJob(api.em(), {
        type: deviceRegistryJob.type,
        strategy: 'CONCURRENT',
        meta: { registerType: 'MANUFACTURER', reasonDescription: 'Quarterly update', csvHeader: 'a' },
        clientId,
        tasks: Array.from({ length: lines }, (_, i) => ({ name: deviceRegistryJob.taskName, meta: { csvDataLine: i + 2 }, input: 'x' })),
      })
    ).job;

  /** Runs every task of `job` (at its current epoch) with the given verdicts, in seq order. */
  async function settle(job: { id: string }, verdicts: Outcome['status'][]): Promise<void> {
    const [{ epoch } = { epoch: 0 }] = await api.em().execute<{ epoch: number }[]>('select epoch from jobs where id = ?', [job.id]);
    const execute: Executor = async (tasks) => tasks.map((t) => outcomes[verdicts[t.seq - 1] ?? 'PROCESSED']);
    await runChunk(api.em(), { jobId: job.id, epoch, fromSeq: 1, toSeq: verdicts.length }, execute, logger);
  }

  const taskStatuses = async (jobId: string): Promise<string[]> =>
    (await api.em().execute<{ status: string }[]>('select status from tasks where job_id = ? order by seq', [jobId])).map((r) => r.status);

  beforeAll(async () => {
    api = await createTestApi();
    owner = await api.caller({ scopes: [writeScope, readScope] });
  });
  afterAll(() => api.close());

  it('cancels a running job: what has not run is ABORTED and the job ends FAILED; a second cancel is a CONFLICT', async () => {
    const job = await deviceJob(owner.client.id, 3);
    const id = toGlobalId('DeviceRegistryJob', job.id);
    const { body } = await api.graphql({ query: cancel, variables: { id }, token: owner.token });
    expect(body.errors).toBeUndefined();
    expect(body.data).toEqual({
      cancelJob: {
        job: { __typename: 'DeviceRegistryJob', id, status: 'FAILED', endedAt: expect.stringMatching(isoMicros), progress: { total: 3, pending: 0, processed: 0, failed: 0, aborted: 3 } },
      },
    });
    expect(await taskStatuses(job.id)).toEqual(['ABORTED', 'ABORTED', 'ABORTED']);

    const again = await api.graphql({ query: cancel, variables: { id }, token: owner.token });
    expect(again.body.data).toEqual({ cancelJob: null });
    expect(again.body.errors?.map((e) => [e.message, e.path, e.extensions])).toEqual([[`Job ${job.id} has already ended`, ['cancelJob'], { code: 'CONFLICT' }]]);
  });

  it('retries only FAILED and RESCUED tasks of an ended job and queues them again', async () => {
    const job = await deviceJob(owner.client.id, 3);
    const id = toGlobalId('DeviceRegistryJob', job.id);
    await settle(job, ['PROCESSED', 'FAILED', 'RESCUED']);

    const { body } = await api.graphql({ query: retry, variables: { id }, token: owner.token });
    expect(body.errors).toBeUndefined();
    expect(body.data).toEqual({
      retryFailedTasks: { job: { __typename: 'DeviceRegistryJob', id, status: 'PENDING', endedAt: null, progress: { total: 3, pending: 2, processed: 1, failed: 0, aborted: 0 } } },
    });
    expect(await taskStatuses(job.id)).toEqual(['PROCESSED', 'PENDING', 'PENDING']);
    // The retried tasks go out under the next epoch, so stale messages of the first run do nothing.
    expect(await api.deps.tasksQueue.getJob(`${job.id}.1.1`)).toMatchObject({ data: { jobId: job.id, epoch: 1, fromSeq: 1 } });

    const running = await api.graphql({ query: retry, variables: { id }, token: owner.token });
    expect(running.body.data).toEqual({ retryFailedTasks: null });
    expect(running.body.errors?.map((e) => [e.message, e.extensions])).toEqual([[`Job ${job.id} is still running`, { code: 'CONFLICT' }]]);

    await settle(job, ['PROCESSED', 'PROCESSED', 'PROCESSED']);
    const clean = await api.graphql({ query: retry, variables: { id }, token: owner.token });
    expect(clean.body.errors?.map((e) => [e.message, e.extensions])).toEqual([[`Job ${job.id} has no failed tasks`, { code: 'CONFLICT' }]]);
  });

  it('answers NOT_FOUND for an unknown job, another client’s job, or an id that is no job view', async () => {
    const stranger = await api.caller({ scopes: [writeScope] });
    const job = await deviceJob(stranger.client.id, 1);
    const own = await deviceJob(owner.client.id, 1);
    const [task] = await api.em().execute<{ id: string }[]>('select id from tasks where job_id = ?', [job.id]);
    const ids = [
      toGlobalId('DeviceRegistryJob', randomUUID()),
      toGlobalId('DeviceRegistryJob', job.id),
      // The caller's own job, named as a type that does not render it.
      toGlobalId('GenericJob', own.id),
      toGlobalId('DeviceRegistryTask', task!.id),
    ];
    for (const [query, field] of [[cancel, 'cancelJob'], [retry, 'retryFailedTasks']] as const) {
      for (const id of ids) {
        const { body } = await api.graphql({ query, variables: { id }, token: owner.token });
        expect(body.data).toEqual({ [field]: null });
        expect(body.errors?.map((e) => [e.message, e.path, e.extensions])).toEqual([['Job not found', [field], { code: 'NOT_FOUND' }]]);
      }
    }
    expect([...(await taskStatuses(job.id)), ...(await taskStatuses(own.id))]).toEqual(['PENDING', 'PENDING']);
    const { body } = await api.graphql({ query: cancel, variables: { id: 'nope' }, token: owner.token });
    expect(body.errors?.map((e) => e.extensions)).toEqual([{ code: 'UNPROCESSABLE_ENTITY', exception: { inputErrors: [{ path: '$.id', message: 'is not a valid global id' }] } }]);
  });

  it('runs the job type’s write checks on the caller’s own job, in the chain’s order', async () => {
    const cases: [Caller | null, string, string, Record<string, unknown>?][] = [
      [null, 'UNAUTHENTICATED', 'Invalid access token'],
      [await api.caller({ scopes: [readScope] }), 'FORBIDDEN', `Your scope does not allow to access this resource. Missing allowances: ${writeScope}`, { missingAllowances: [writeScope] }],
      [await api.caller({ scopes: [writeScope], clientStatus: 'SUSPENDED' }), 'CONFLICT', 'client_id refers to legal entity that is not active'],
      [await api.caller({ scopes: [writeScope], clientType: 'PHARMACY' }), 'FORBIDDEN', "You don't have permission to access this resource"],
      [await api.caller({ scopes: [writeScope], isBlocked: true }), 'FORBIDDEN', 'Client is blocked'],
    ];
    for (const [query, field] of [[cancel, 'cancelJob'], [retry, 'retryFailedTasks']] as const) {
      for (const [caller, code, message, exception] of cases) {
        const job = await deviceJob(caller?.client.id ?? owner.client.id, 1);
        const { body } = await api.graphql({ query, variables: { id: toGlobalId('DeviceRegistryJob', job.id) }, ...(caller ? { token: caller.token } : {}) });
        expect(body.data).toEqual({ [field]: null });
        expect(body.errors?.map((e) => [e.message, e.extensions])).toEqual([[message, exception ? { code, exception } : { code }]]);
        expect(await taskStatuses(job.id)).toEqual(['PENDING']);
      }
    }
  });

  it('shows the changed job only to a caller who may read it: writing never implies reading', async () => {
    const writer = await api.caller({ scopes: [writeScope] });
    const job = await deviceJob(writer.client.id, 2);
    const { body } = await api.graphql({ query: cancel, variables: { id: toGlobalId('DeviceRegistryJob', job.id) }, token: writer.token });
    expect(body).toEqual({ data: { cancelJob: { job: null } }, extensions: { requestId: expect.any(String) } });
    expect(await taskStatuses(job.id)).toEqual(['ABORTED', 'ABORTED']);
  });

  it('refuses every caller a job type this deploy does not know: nothing is allowed by default', async () => {
    const { job } = await createJob(api.em(), { type: 'from_a_newer_deploy', strategy: 'CONCURRENT', clientId: owner.client.id, tasks: [{}] });
    const { body } = await api.graphql({ query: cancel, variables: { id: toGlobalId('GenericJob', job.id) }, token: owner.token });
    expect(body.errors?.map((e) => [e.message, e.extensions])).toEqual([["You don't have permission to access this resource", { code: 'FORBIDDEN' }]]);
    expect(await taskStatuses(job.id)).toEqual(['PENDING']);
  });

  it('guards a GenericJob by its type’s checks and ownership', async () => {
    const caller = await api.caller();
    const { job } = await createJob(api.em(), { type: 'test_import', strategy: 'CONCURRENT', clientId: caller.client.id, tasks: [{}, {}] });
    const id = toGlobalId('GenericJob', job.id);
    const { body } = await api.graphql({ query: cancel, variables: { id }, token: caller.token });
    expect(body.errors).toBeUndefined();
    expect(body.data).toMatchObject({ cancelJob: { job: { __typename: 'GenericJob', id, status: 'FAILED', progress: { aborted: 2 } } } });
    const other = await api.graphql({ query: retry, variables: { id }, token: owner.token });
    expect(other.body.errors?.map((e) => [e.message, e.extensions])).toEqual([['Job not found', { code: 'NOT_FOUND' }]]);
  });
});
