/**
 * Issue 11: idempotency is the same everywhere. The `Idempotency-Key` header of both REST uploads
 * (device registry, merge candidates) and the `idempotencyKey` input of `uploadDeviceRegistry` take
 * one rule and share one namespace per client: a key the client used before answers that job
 * (REST: 200 with the same body and Location; GraphQL: the same job) and stores nothing, whatever
 * the replay carries; another client's key is its own; a key used for another job type is a CONFLICT.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toGlobalId } from '../../src/platform/global-ids';
import { createTestApi, type Caller, type TestApi } from '../support';

const registryHeader = 'classification_type,manufacturer_name,manufacturer_country,model_number,packaging_type,packaging_count,packaging_unit,is_active,device_names.name,device_names.type';
const registryCsv = (...models: string[]) => `${registryHeader}\n${models.map((m) => `IIa,Acme,UA,${m},box,10,piece,true,Thermometer,USER_PROVIDED`).join('\n')}\n`;
const candidateCsv = (rows: number) =>
  `merge_candidate_id,person_id,master_person_id\n${Array.from({ length: rows }, () => `${randomUUID()},${randomUUID()},${randomUUID()}`).join('\n')}\n`;
const candidateItem = () => ({ merge_candidate_id: randomUUID(), person_id: randomUUID(), master_person_id: randomUUID() });
const scopes = ['device_registry:write', 'device_registry_job:read', 'merge_candidate:write'];

let api: TestApi;
let caller: Caller;

beforeAll(async () => {
  api = await createTestApi();
  caller = await api.caller({ scopes });
});
afterAll(() => api.close());

const request = (path: string, body: string, type: string, key: string | null, who = caller) =>
  api.app.request(path, { method: 'POST', headers: { 'Content-Type': type, ...who.headers, ...(key === null ? {} : { 'Idempotency-Key': key }) }, body });
const postCandidates = (body: string, key: string | null, who = caller, type = 'text/csv') => request('/v1/merge-candidates', body, type, key, who);
const postRegistry = (body: string, key: string | null, who = caller, query = '') =>
  request(`/v1/device-registry-jobs?registerType=MEDICAL_DEVICE&reasonDescription=Update${query}`, body, 'text/csv', key, who);

/** The accepted-job answer (status, body, Location) of `response`, checked to be about one job; its id. */
async function answered(response: Response, status: 200 | 202, type: 'GenericJob' | 'DeviceRegistryJob'): Promise<string> {
  const body = (await response.json()) as { databaseId: string };
  expect({ status: response.status, body }).toEqual({ status, body: { id: toGlobalId(type, body.databaseId), databaseId: expect.any(String), status: 'PENDING' } });
  expect(response.headers.get('location')).toBe(`/v1/jobs/${body.databaseId}`);
  return body.databaseId;
}

async function stored() {
  const [row] = (await api.em().getConnection().execute('select (select count(*) from jobs) as jobs, (select count(*) from tasks) as tasks')) as { jobs: string; tasks: string }[];
  return { jobs: Number(row!.jobs), tasks: Number(row!.tasks) };
}

const jobsWithKey = async (key: string) =>
  api.em().getConnection().execute('select id, client_id, type, tasks_total from jobs where idempotency_key = ? order by inserted_at', [key]);

const upload = `mutation ($input: UploadDeviceRegistryInput!) { uploadDeviceRegistry(input: $input) { deviceRegistryJob { databaseId progress { total } } } }`;
const uploadViaGraphql = (idempotencyKey: string | null | undefined, csvData = registryCsv('M-1', 'M-2'), who = caller, extra: { dryRun?: boolean } = {}) =>
  api.graphql<{ uploadDeviceRegistry: { deviceRegistryJob: { databaseId: string; progress: { total: number } } } | null }>({
    query: upload,
    variables: { input: { registerType: 'MEDICAL_DEVICE', reasonDescription: 'Update', csvData, ...(idempotencyKey === undefined ? {} : { idempotencyKey }), ...extra } },
    token: who.token,
  });

describe('POST /v1/merge-candidates: Idempotency-Key', () => {
  it('answers a repeated key from the same client with the first job (200), whatever the replay carries; another client has its own', async () => {
    const key = `candidates-${randomUUID()}`;
    const first = await answered(await postCandidates(candidateCsv(2), key), 202, 'GenericJob');
    const before = await stored();
    expect(await answered(await postCandidates(candidateCsv(5), key), 200, 'GenericJob')).toBe(first);
    expect(await answered(await postCandidates(JSON.stringify([candidateItem()]), key, caller, 'application/json'), 200, 'GenericJob')).toBe(first);
    expect(await stored()).toEqual(before);

    const other = await api.caller({ scopes });
    const second = await answered(await postCandidates(candidateCsv(1), key, other), 202, 'GenericJob');
    expect(await jobsWithKey(key)).toEqual([
      { id: first, client_id: caller.client.id, type: 'import_manual_merge_candidates', tasks_total: 2 },
      { id: second, client_id: other.client.id, type: 'import_manual_merge_candidates', tasks_total: 1 },
    ]);
    // Without a key every upload is a job of its own.
    expect(await answered(await postCandidates(candidateCsv(1), null), 202, 'GenericJob')).not.toBe(first);
  });

  it('is 422 for an empty or longer than 255 characters key, as on the device registry upload', async () => {
    for (const key of ['', 'k'.repeat(256)]) {
      for (const response of [await postCandidates(candidateCsv(1), key), await postRegistry(registryCsv('M-1'), key)]) {
        expect({ status: response.status, body: await response.json() }).toEqual({
          status: 422,
          body: { type: '/problems/unprocessable-entity', title: 'Unprocessable Content', status: 422, detail: 'Idempotency-Key must be 1 to 255 characters', requestId: expect.any(String) },
        });
      }
    }
    await answered(await postCandidates(candidateCsv(1), randomUUID().padEnd(255, 'k')), 202, 'GenericJob');
  });

  it('is 409 for a key the client used for a job of another type, storing nothing', async () => {
    const key = randomUUID();
    const registryJob = await answered(await postRegistry(registryCsv('M-1'), key), 202, 'DeviceRegistryJob');
    const before = await stored();
    const response = await postCandidates(candidateCsv(1), key);
    expect({ status: response.status, body: await response.json() }).toEqual({
      status: 409,
      body: {
        type: '/problems/conflict', title: 'Conflict', status: 409, requestId: expect.any(String),
        detail: 'The idempotency key was already used for a job of another type (upload_device_definition_registry)',
      },
    });
    expect(await stored()).toEqual(before);
    expect((await jobsWithKey(key)).map((j) => j.id)).toEqual([registryJob]);
  });
});

describe('uploadDeviceRegistry: idempotencyKey', () => {
  it('answers a repeated key with the first job, in GraphQL and over REST alike; another client has its own', async () => {
    const key = `registry-${randomUUID()}`;
    const { body } = await uploadViaGraphql(key);
    const first = body.data?.uploadDeviceRegistry?.deviceRegistryJob;
    expect(first).toEqual({ databaseId: expect.any(String), progress: { total: 2 } });
    const before = await stored();
    // A replay is not read: another file (even a bad one) changes nothing.
    for (const csvData of [registryCsv('M-7'), 'not,a,registry\n']) {
      expect((await uploadViaGraphql(key, csvData)).body).toEqual({ data: { uploadDeviceRegistry: { deviceRegistryJob: first } }, extensions: expect.any(Object) });
    }
    // The header and the input are one namespace, and the input's ends are trimmed as a header's are.
    expect(await answered(await postRegistry(registryCsv('M-8'), key), 200, 'DeviceRegistryJob')).toBe(first?.databaseId);
    expect((await uploadViaGraphql(` \t${key} `)).body.data?.uploadDeviceRegistry?.deviceRegistryJob).toEqual(first);
    const restFirst = await answered(await postRegistry(registryCsv('M-9'), `rest-${key}`), 202, 'DeviceRegistryJob');
    expect((await uploadViaGraphql(`rest-${key}`)).body.data?.uploadDeviceRegistry?.deviceRegistryJob?.databaseId).toBe(restFirst);
    expect(await stored()).toEqual({ jobs: before.jobs + 1, tasks: before.tasks + 1 });

    const other = await api.caller({ scopes });
    const theirs = (await uploadViaGraphql(key, registryCsv('M-1'), other)).body.data?.uploadDeviceRegistry?.deviceRegistryJob;
    expect(theirs?.databaseId).not.toBe(first?.databaseId);
    // Without a key (absent or null) every upload is a job of its own.
    for (const none of [undefined, null]) expect((await uploadViaGraphql(none)).body.data?.uploadDeviceRegistry?.deviceRegistryJob?.databaseId).not.toBe(first?.databaseId);
  });

  it('refuses a key the header could not be with UNPROCESSABLE_ENTITY naming $.idempotencyKey, storing nothing', async () => {
    const before = await stored();
    const length = 'idempotencyKey must be 1 to 255 characters';
    const characters = 'idempotencyKey must not contain NUL, CR or LF characters';
    for (const [key, message] of [['', length], [' \t ', length], ['k'.repeat(256), length], ['a\nb', characters], ['a\rb', characters], ['a\u0000b', characters]] as const) {
      const { body } = await uploadViaGraphql(key);
      expect(body.data).toEqual({ uploadDeviceRegistry: null });
      expect(body.errors?.map((e) => [e.message, e.path, e.extensions])).toEqual([
        [message, ['uploadDeviceRegistry'], { code: 'UNPROCESSABLE_ENTITY', exception: { inputErrors: [{ path: '$.idempotencyKey', message }] } }],
      ]);
    }
    expect(await stored()).toEqual(before);
    expect((await uploadViaGraphql(randomUUID().padEnd(255, 'k'))).body.data?.uploadDeviceRegistry?.deviceRegistryJob?.progress).toEqual({ total: 2 });
  });

  it('is CONFLICT for a key the client used for a merge candidate import', async () => {
    const key = randomUUID();
    await answered(await postCandidates(candidateCsv(1), key), 202, 'GenericJob');
    const { body } = await uploadViaGraphql(key);
    expect(body.errors?.map((e) => [e.message, e.extensions])).toEqual([
      ['The idempotency key was already used for a job of another type (import_manual_merge_candidates)', { code: 'CONFLICT' }],
    ]);
  });
});

describe('Issue 15: a dry run and a real import never answer for each other', () => {
  const conflict = (detail: string) => ({
    status: 409,
    body: { type: '/problems/conflict', title: 'Conflict', status: 409, detail, requestId: expect.any(String) },
  });
  const graphqlErrors = async (key: string, dryRun: boolean) =>
    (await uploadViaGraphql(key, registryCsv('M-1'), caller, { dryRun })).body.errors?.map((e) => [e.message, e.extensions]);

  it('answers a key of a dry run only to a dry run: a real upload with it is a 409 / CONFLICT, storing nothing', async () => {
    const key = randomUUID();
    const dry = await answered(await postRegistry(registryCsv('M-1'), key, caller, '&dryRun=true'), 202, 'DeviceRegistryJob');
    expect(await answered(await postRegistry(registryCsv('M-2'), key, caller, '&dryRun=true'), 200, 'DeviceRegistryJob')).toBe(dry);
    expect((await uploadViaGraphql(key, registryCsv('M-3'), caller, { dryRun: true })).body.data?.uploadDeviceRegistry?.deviceRegistryJob?.databaseId).toBe(dry);
    const before = await stored();
    const detail = 'The idempotency key was already used for a dry run (dryRun true)';
    for (const query of ['', '&dryRun=false']) {
      const response = await postRegistry(registryCsv('M-1'), key, caller, query);
      expect({ status: response.status, body: await response.json() }).toEqual(conflict(detail));
    }
    expect(await graphqlErrors(key, false)).toEqual([[detail, { code: 'CONFLICT' }]]);
    expect(await stored()).toEqual(before);
    expect((await jobsWithKey(key)).map((j) => j.id)).toEqual([dry]);
  });

  it('answers a key of a real import only to a real import: a dry run with it is a 409 / CONFLICT', async () => {
    const key = randomUUID();
    const real = (await uploadViaGraphql(key, registryCsv('M-1'))).body.data?.uploadDeviceRegistry?.deviceRegistryJob?.databaseId;
    expect(real).toEqual(expect.any(String));
    const before = await stored();
    const detail = 'The idempotency key was already used for a real import (dryRun false)';
    const response = await postRegistry(registryCsv('M-1'), key, caller, '&dryRun=true');
    expect({ status: response.status, body: await response.json() }).toEqual(conflict(detail));
    expect(await graphqlErrors(key, true)).toEqual([[detail, { code: 'CONFLICT' }]]);
    expect(await stored()).toEqual(before);
    expect(await answered(await postRegistry(registryCsv('M-1'), key), 200, 'DeviceRegistryJob')).toBe(real);
  });
});
