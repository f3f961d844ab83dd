/**
 * Issue 15: a dry run over REST (`?dryRun=true`) and GraphQL (`dryRun: true`), end to end with the
 * api in-process and a real worker: every record is checked, the tasks say what would fail, no
 * device is created, the job says it was a dry run, and its errors.csv is a real run's, byte for
 * byte. A `dryRun` that is not `true` or `false` is refused before anything is stored. (A replayed
 * Idempotency-Key with another `dryRun` is in test/jobs/idempotency.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findJob } from '@jabba/domain/engine';
import { waitFor } from '#test/wait-for';
import { startTestWorker, type TestWorker } from '#test/worker';
import { createTestApi, type Caller, type TestApi } from '../support';

const header = 'classification_type,manufacturer_name,manufacturer_country,model_number,packaging_type,packaging_count,packaging_unit,is_active,device_names.name,device_names.type,description';
// A good line, one a spreadsheet would run as a formula (errors.csv neutralises it), one with two problems.
const csv = [
  header,
  'IIa,Acme,UA,M-1,box,10,piece,true,Thermometer,USER_PROVIDED,',
  'IIb,Acme,DE,M-2,pack,0,ml,false,Syringe,USER_PROVIDED,=SUM(A1)',
  'I,Acme,XX,M-3,box,1,piece,maybe,Gauze,USER_PROVIDED,"Soft, sterile"',
].join('\r\n');
const fields = 'registerType=MEDICAL_DEVICE&reasonDescription=Check%20first';

let api: TestApi;
let worker: TestWorker;
let writer: Caller;

beforeAll(async () => {
  api = await createTestApi();
  worker = await startTestWorker(api);
  writer = await api.caller({ scopes: ['device_registry:write', 'device_registry_job:read'] });
});
afterAll(async () => {
  await worker.close();
  await api.close();
});

const upload = (query: string, body: BodyInit = csv, headers: Record<string, string> = { 'Content-Type': 'text/csv' }) =>
  api.app.request(`/v1/device-registry-jobs?${query}`, { method: 'POST', headers: { ...headers, ...writer.headers }, body });
const get = (path: string) => api.app.request(path, { headers: writer.headers });
const sql = async <R>(text: string, values: unknown[] = []): Promise<R[]> => (await api.em().getConnection().execute(text, values)) as R[];

async function stored() {
  const [row] = await sql<Record<string, string>>(`select (select count(*) from jobs) as jobs, (select count(*) from tasks) as tasks,
    (select count(*) from device_definitions) as devices, (select count(*) from device_definition_names) as names`);
  return Object.fromEntries(Object.entries(row!).map(([k, v]) => [k, Number(v)]));
}

async function accepted(response: Response): Promise<string> {
  expect(response.status).toBe(202);
  return ((await response.json()) as { databaseId: string }).databaseId;
}

const finished = (jobId: string) =>
  waitFor(async () => {
    const job = await findJob(api.em(), jobId);
    return job && job.status !== 'PENDING' ? job : undefined;
  }, { what: `job ${jobId} to end` });

const report = async (jobId: string, form: string) => {
  const response = await get(`/v1/jobs/${jobId}/errors.csv${form}`);
  expect(response.status).toBe(200);
  return response.text();
};

describe('POST /v1/device-registry-jobs?dryRun=true', () => {
  it('checks every record, creates no device, says it was a dry run, and gives the errors.csv of a real run', async () => {
    const before = await stored();
    const dry = await accepted(await upload(`${fields}&dryRun=true`));
    await finished(dry);
    const view = await get(`/v1/jobs/${dry}`);
    expect(await view.json()).toMatchObject({
      status: 'FAILED',
      meta: { registerType: 'MEDICAL_DEVICE', reasonDescription: 'Check first', dryRun: true },
      progress: { total: 3, pending: 0, processed: 1, failed: 2, aborted: 0 },
    });
    expect(await sql('select status, meta from tasks where job_id = ? order by seq', [dry])).toEqual([
      { status: 'PROCESSED', meta: { csvDataLine: 2 } },
      { status: 'FAILED', meta: { csvDataLine: 3 } },
      { status: 'FAILED', meta: { csvDataLine: 4 } },
    ]);
    expect(await stored()).toEqual({ ...before, jobs: before.jobs! + 1, tasks: before.tasks! + 3 });

    const real = await accepted(await upload(fields));
    await finished(real);
    expect(await (await get(`/v1/jobs/${real}`)).json()).toMatchObject({ status: 'FAILED', meta: { dryRun: false }, progress: { processed: 1, failed: 2 } });
    expect(await stored()).toMatchObject({ devices: before.devices! + 1, names: before.names! + 1 });
    for (const form of ['', '?raw=true', '?records=true']) expect(await report(dry, form), form).toBe(await report(real, form));
    expect(await report(dry, '')).toBe([
      'csv_data_line,error_code,error_message,' + header,
      '3,VALIDATION_ERROR,"Line 3: column ""packaging_count"" must be a positive integer, got ""0""",IIb,Acme,DE,M-2,pack,0,ml,false,Syringe,USER_PROVIDED,\'=SUM(A1)',
      '4,VALIDATION_ERROR,"Line 4: column ""manufacturer_country"" has ""XX"", which is not in the COUNTRY dictionary; column ""is_active"" must be true or false, got ""maybe""",I,Acme,XX,M-3,box,1,piece,maybe,Gauze,USER_PROVIDED,"Soft, sterile"',
      '',
    ].join('\r\n'));
  });

  it('is 422 naming $.dryRun for any value but true or false, storing nothing', async () => {
    const before = await stored();
    for (const value of ['yes', 'TRUE', '1', '']) {
      const response = await upload(`${fields}&dryRun=${value}`);
      expect({ status: response.status, type: response.headers.get('content-type'), body: await response.json() }, value).toEqual({
        status: 422,
        type: 'application/problem+json',
        body: {
          type: '/problems/unprocessable-entity', title: 'Unprocessable Content', status: 422, detail: 'Validation failed',
          inputErrors: [{ path: '$.dryRun', message: 'must be true or false' }], requestId: expect.any(String),
        },
      });
    }
    expect(await stored()).toEqual(before);
  });

  it('takes dryRun from the query with a form body, and refuses a form field dryRun that disagrees', async () => {
    const form = (extra: Record<string, string> = {}) => {
      const body = new FormData();
      for (const [name, value] of Object.entries({ registerType: 'MEDICAL_DEVICE', reasonDescription: 'Form', ...extra })) body.append(name, value);
      body.append('file', new Blob([csv], { type: 'text/csv' }), 'devices.csv');
      return body;
    };
    const dry = await accepted(await upload('dryRun=true', form(), {}));
    expect((await findJob(api.em(), dry))?.meta).toMatchObject({ reasonDescription: 'Form', dryRun: true });
    await finished(dry);

    const before = await stored();
    const message = 'dryRun is read from the query string only (?dryRun=true), not from the form';
    for (const [query, extra] of [['', { dryRun: 'true' }], ['dryRun=true', { dryRun: 'false' }]] as const) {
      const response = await upload(query, form(extra), {});
      expect({ status: response.status, body: await response.json() }).toEqual({
        status: 422,
        body: {
          type: '/problems/unprocessable-entity', title: 'Unprocessable Content', status: 422, detail: message,
          inputErrors: [{ path: '$.dryRun', message }], requestId: expect.any(String),
        },
      });
    }
    expect(await stored()).toEqual(before);
  });
});

describe('uploadDeviceRegistry(input: {dryRun: true})', () => {
  it('runs dry: the job says so, the good line is PROCESSED without a databaseId, no device is created', async () => {
    const before = await stored();
    const mutation = `mutation ($input: UploadDeviceRegistryInput!) { uploadDeviceRegistry(input: $input) { deviceRegistryJob { databaseId dryRun } } }`;
    const { body } = await api.graphql<{ uploadDeviceRegistry: { deviceRegistryJob: { databaseId: string; dryRun: boolean } } }>({
      query: mutation,
      variables: { input: { registerType: 'MEDICAL_DEVICE', reasonDescription: 'Check first', csvData: csv, dryRun: true } },
      token: writer.token,
    });
    expect(body.errors).toBeUndefined();
    const { databaseId, dryRun } = body.data!.uploadDeviceRegistry.deviceRegistryJob;
    expect(dryRun).toBe(true);
    await finished(databaseId);

    const read = await api.graphql({
      query: `query ($id: ID!) { deviceRegistryJob(id: $id) { dryRun status progress { processed failed }
        tasks { nodes { status csvDataLine meta { databaseId } error { message } } } } }`,
      variables: { id: Buffer.from(`DeviceRegistryJob:${databaseId}`).toString('base64') },
      token: writer.token,
    });
    expect(read.body).toEqual({
      data: {
        deviceRegistryJob: {
          dryRun: true, status: 'FAILED', progress: { processed: 1, failed: 2 },
          tasks: {
            nodes: [
              { status: 'PROCESSED', csvDataLine: 2, meta: { databaseId: null }, error: null },
              { status: 'FAILED', csvDataLine: 3, meta: { databaseId: null }, error: { message: 'Line 3: column "packaging_count" must be a positive integer, got "0"' } },
              {
                status: 'FAILED', csvDataLine: 4, meta: { databaseId: null },
                error: { message: 'Line 4: column "manufacturer_country" has "XX", which is not in the COUNTRY dictionary; column "is_active" must be true or false, got "maybe"' },
              },
            ],
          },
        },
      },
      extensions: { requestId: expect.any(String) },
    });
    expect(await stored()).toMatchObject({ devices: before.devices, names: before.names });
  });
});
