/**
 * `POST /v1/device-registry-jobs` on its own, without a worker: what a 202 leaves in Postgres and
 * in the queue, both body shapes (text/csv, multipart/form-data), and every refusal with its exact
 * problem and nothing stored. The import end to end with a worker is test/device-registry-import.test.ts.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '#test/wait-for';
import { createTestApi, type Caller, type TestApi } from '../support';

const header = 'classification_type,manufacturer_name,manufacturer_country,model_number,packaging_type,packaging_count,packaging_unit,is_active,device_names.name,device_names.type';
const row = (n: number): string => `IIa,Acme,UA,M-${n},box,10,piece,true,Thermometer,USER_PROVIDED`;
const csv = `${header}\n${row(1)}\n${row(2)}\n`;
const fields = 'registerType=MEDICAL_DEVICE&reasonDescription=Update';
const writeScope = 'device_registry:write';
const globalId = (uuid: string): string => Buffer.from(`DeviceRegistryJob:${uuid}`).toString('base64');

// Problem `type` and `title` by status: the contract clients switch on (apps/api/src/platform/error-tables.ts).
const problemKinds: Record<number, [string, string]> = {
  401: ['/problems/unauthenticated', 'Unauthorized'],
  403: ['/problems/forbidden', 'Forbidden'],
  409: ['/problems/conflict', 'Conflict'],
  413: ['/problems/payload-too-large', 'Content Too Large'],
  415: ['about:blank', 'Unsupported Media Type'],
  422: ['/problems/unprocessable-entity', 'Unprocessable Content'],
};
const inputError = (path: string, message: string) => ({ inputErrors: [{ path, message }] });

let api: TestApi;
let small: TestApi;
let writer: Caller;

beforeAll(async () => {
  [api, small] = await Promise.all([createTestApi(), createTestApi({ env: { IMPORT_MAX_BYTES: '200' } })]);
  writer = await api.caller({ scopes: [writeScope] });
});
afterAll(() => Promise.all([api.close(), small.close()]));

interface PostOptions { query?: string; headers?: Record<string, string>; caller?: Caller; target?: TestApi; duplex?: 'half' }
const post = (body: BodyInit | null, { query = fields, headers = {}, caller = writer, target = api, duplex }: PostOptions = {}) =>
  target.app.request(`/v1/device-registry-jobs?${query}`, {
    method: 'POST',
    headers: { 'Content-Type': 'text/csv', ...caller.headers, ...headers },
    ...(body === null ? {} : { body }),
    ...(duplex ? { duplex } : {}),
  });

/** Sends a FormData the way a browser would, after checking it really goes out as multipart. */
function postForm(form: FormData, query = ''): Response | Promise<Response> {
  const request = new Request(`http://localhost/v1/device-registry-jobs?${query}`, { method: 'POST', headers: writer.headers, body: form });
  expect(request.headers.get('content-type')).toMatch(/^multipart\/form-data; boundary=/);
  return api.app.request(request);
}
const csvFile = (text: string) => new Blob([text], { type: 'text/csv' });

const sql = async <R>(target: TestApi, text: string, values: unknown[] = []): Promise<R[]> =>
  (await target.em().getConnection().execute(text, values)) as R[];

/** Rows in jobs and tasks and messages in the queue: a refusal must change none of them. */
async function stored(target = api) {
  const [counts] = await sql<{ jobs: string; tasks: string }>(target, 'select (select count(*) from jobs) as jobs, (select count(*) from tasks) as tasks');
  return { jobs: Number(counts!.jobs), tasks: Number(counts!.tasks), queue: await target.deps.tasksQueue.getJobCounts() };
}

async function expectRefused(send: () => Response | Promise<Response>, status: number, detail: string, extra: Record<string, unknown> = {}, target = api): Promise<void> {
  const before = await stored(target);
  const response = await send();
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toBe('application/problem+json');
  const [type, title] = problemKinds[status]!;
  expect(await response.json()).toEqual({ type, title, status, detail, requestId: expect.any(String), ...extra });
  expect(await stored(target)).toEqual(before);
}

async function accepted(response: Response, status = 202): Promise<string> {
  expect(response.status).toBe(status);
  const body = (await response.json()) as { databaseId: string };
  expect(body).toEqual({ id: globalId(body.databaseId), databaseId: body.databaseId, status: 'PENDING' });
  expect(response.headers.get('location')).toBe(`/v1/jobs/${body.databaseId}`);
  return body.databaseId;
}

const jobMeta = async (id: string) => (await sql<{ meta: unknown }>(api, 'select meta from jobs where id = ?', [id]))[0]?.meta;
const chunksOf = async (target: TestApi, jobId: string) =>
  (await target.deps.tasksQueue.getJobs(['waiting', 'prioritized', 'delayed'])).filter((j) => j.data.jobId === jobId).map((j) => [j.id, j.name, j.data]);

describe('POST /v1/device-registry-jobs with text/csv', () => {
  it('stores the job and one task per record (raw text, first line) before answering 202, and queues its chunk', async () => {
    // The second record's quoted field holds a CRLF: it spans lines 3–4, so the next record is on line 5.
    const records = [row(1), 'IIa,"Acme, Inc.",UA,M-2,box,10,piece,true,"Thermo\r\nmeter",USER_PROVIDED', row(3)];
    const id = await accepted(await post(`${[header, ...records].join('\r\n')}\r\n`, { headers: { 'Content-Type': 'text/csv; charset=utf-8' } }));

    expect(await sql(api, 'select type, name, strategy, status, meta, client_id, user_id, idempotency_key, tasks_total, tasks_pending, ended_at from jobs where id = ?', [id])).toEqual([{
      type: 'upload_device_definition_registry', name: 'Upload device definition registry', strategy: 'CONCURRENT', status: 'PENDING',
      meta: { registerType: 'MEDICAL_DEVICE', reasonDescription: 'Update', csvHeader: header, dryRun: false },
      client_id: writer.client.id, user_id: writer.userId, idempotency_key: null, tasks_total: 3, tasks_pending: 3, ended_at: null,
    }]);
    expect(await sql(api, 'select seq, name, status, meta, input from tasks where job_id = ? order by seq', [id])).toEqual(
      [2, 3, 5].map((line, i) => ({ seq: i + 1, name: 'Create device definition', status: 'PENDING', meta: { csvDataLine: line }, input: records[i] })),
    );
    expect(await chunksOf(api, id)).toEqual([[`${id}.0.1`, 'run-task-chunk', { jobId: id, epoch: 0, fromSeq: 1, toSeq: 1000 }]]);
  });

  it('queues one chunk per 1,000 records', async () => {
    const id = await accepted(await post([header, ...Array.from({ length: 1001 }, (_, i) => row(i))].join('\n')));
    const payloads = (await chunksOf(api, id)).map(([, , data]) => data as { fromSeq: number });
    expect(payloads.sort((a, b) => a.fromSeq - b.fromSeq)).toEqual([
      { jobId: id, epoch: 0, fromSeq: 1, toSeq: 1000 },
      { jobId: id, epoch: 0, fromSeq: 1001, toSeq: 2000 },
    ]);
  });

  it('is 422 naming each missing or too long field', async () => {
    const both = 'registerType is required; reasonDescription is required';
    await expectRefused(() => post(csv, { query: '' }), 422, both, {
      inputErrors: [{ path: '$.registerType', message: 'registerType is required' }, { path: '$.reasonDescription', message: 'reasonDescription is required' }],
    });
    await expectRefused(() => post(csv, { query: 'registerType=MEDICAL_DEVICE' }), 422, 'reasonDescription is required', inputError('$.reasonDescription', 'reasonDescription is required'));
    await expectRefused(() => post(csv, { query: 'registerType=%20%20&reasonDescription=Update' }), 422, 'registerType is required', inputError('$.registerType', 'registerType is required'));
    const long = 'reasonDescription is longer than 2000 characters';
    await expectRefused(() => post(csv, { query: `registerType=MEDICAL_DEVICE&reasonDescription=${'x'.repeat(2001)}` }), 422, long, inputError('$.reasonDescription', long));
  });

  it('is 422 naming the columns of a bad header, and for a file with no data line', async () => {
    const noNameNoUnit = header.replace('manufacturer_name,', '').replace('packaging_unit,', '');
    const cases: [string, string][] = [
      [`${header},colour\n${row(1)},red`, 'Line 1: the header row has unknown columns "colour"'],
      [`${noNameNoUnit}\nIIa,UA,M-1,box,10,true,Thermometer,USER_PROVIDED`, 'Line 1: the header row lacks the mandatory columns manufacturer_name, packaging_unit'],
      [`${header},is_active\n${row(1)},true`, 'Line 1: the header row repeats the columns is_active'],
      [`${noNameNoUnit},colour,colour\n${row(1)}`,
        'Line 1: the header row lacks the mandatory columns manufacturer_name, packaging_unit; the header row has unknown columns "colour", "colour"; the header row repeats the columns colour'],
      [`${header}\r\n\r\n`, 'The file has a header row but no data line'],
      ['', 'The file is empty: it needs a header row and at least one data line'],
      [`${header}\n${row(1)}\nIIa,"Acme,UA,M-2,box,10,piece,true,Thermometer,USER_PROVIDED\n${row(3)}\n`, 'Line 3: a quoted field is not closed before the end of the file'],
    ];
    for (const [body, detail] of cases) await expectRefused(() => post(body), 422, detail, inputError('$.body', detail));
    await expectRefused(() => post(null), 422, 'The request has no body: send the CSV file');
  });

  it('is 422 for bytes that are not UTF-8, saying after which byte', async () => {
    const head = new TextEncoder().encode(`${header}\n`);
    const body = () => new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(head);
        controller.enqueue(new Uint8Array([0xff, 0xfe, 0x41]));
        controller.close();
      },
    });
    const detail = `The file is not UTF-8 text (after byte ${head.byteLength})`;
    await expectRefused(() => post(body(), { duplex: 'half' }), 422, detail, inputError('$.body', detail));
  });

  it('is 413 past IMPORT_MAX_BYTES: announced before a byte is read, streamed as soon as it is exceeded', async () => {
    const caller = await small.caller({ scopes: [writeScope] });
    // The api does not check record values (the workers do): a short record leaves room under 200.
    const exact = `${header}\nI,A,UA,M,b,1,p,true,T,X`.padEnd(200, '\n');
    expect(Buffer.byteLength(exact)).toBe(200);
    await accepted(await post(exact, { target: small, caller, headers: { 'Content-Length': '200' } }));
    const detail = 'The file is larger than the limit of 200 bytes';

    const announced = new Request(`http://localhost/v1/device-registry-jobs?${fields}`, {
      method: 'POST', headers: { ...caller.headers, 'Content-Type': 'text/csv', 'Content-Length': '201' }, body: `${exact}\n`,
    });
    await expectRefused(() => small.app.request(announced), 413, detail, {}, small);
    expect(announced.bodyUsed).toBe(false);

    // An endless body without Content-Length: only counting as it streams can end this request.
    let [pulls, cancelled] = [0, false];
    const endless = new ReadableStream<Uint8Array>({
      pull: (controller) => controller.enqueue(new TextEncoder().encode(`${pulls++ === 0 ? header : row(pulls)}\n`)),
      cancel: () => { cancelled = true; },
    });
    await expectRefused(() => post(endless, { target: small, caller, duplex: 'half' }), 413, detail, {}, small);
    await waitFor(() => cancelled, { what: 'the refused body to be cancelled' });
  });

  it('is 415 for a body that is neither text/csv nor multipart/form-data', async () => {
    const detail = 'Send the CSV as the body with Content-Type text/csv, or as multipart/form-data with a "file" part';
    for (const type of ['application/json', 'text/plain']) await expectRefused(() => post('{}', { headers: { 'Content-Type': type } }), 415, detail);
  });
});

describe('POST /v1/device-registry-jobs with multipart/form-data', () => {
  it('takes the fields before the file part', async () => {
    const form = new FormData();
    form.append('registerType', 'MEDICAL_DEVICE');
    form.append('reasonDescription', 'Before the file');
    form.append('file', csvFile(csv), 'devices.csv');
    const id = await accepted(await postForm(form));
    expect(await jobMeta(id)).toEqual({ registerType: 'MEDICAL_DEVICE', reasonDescription: 'Before the file', csvHeader: header, dryRun: false });
    expect(await sql(api, 'select input from tasks where job_id = ? order by seq', [id])).toEqual([{ input: row(1) }, { input: row(2) }]);
  });

  it('takes the fields after the file part', async () => {
    const form = new FormData();
    form.append('file', csvFile(csv), 'devices.csv');
    form.append('registerType', 'MEDICAL_DEVICE');
    form.append('reasonDescription', 'After the file');
    const id = await accepted(await postForm(form));
    expect(await jobMeta(id)).toEqual({ registerType: 'MEDICAL_DEVICE', reasonDescription: 'After the file', csvHeader: header, dryRun: false });
  });

  it('takes a field the form lacks from the query; a form field wins over the query', async () => {
    const form = new FormData();
    form.append('file', csvFile(csv), 'devices.csv');
    form.append('reasonDescription', 'From the form');
    const id = await accepted(await postForm(form, fields));
    expect(await jobMeta(id)).toEqual({ registerType: 'MEDICAL_DEVICE', reasonDescription: 'From the form', csvHeader: header, dryRun: false });
  });

  it('is 422 without a "file" part, without a field, and names $.file for a bad file', async () => {
    const noFile = new FormData();
    noFile.append('registerType', 'MEDICAL_DEVICE');
    noFile.append('upload', csvFile(csv), 'devices.csv');
    await expectRefused(() => postForm(noFile, fields), 422, 'The multipart body has no "file" part', inputError('$.file', 'is required'));

    const noReason = new FormData();
    noReason.append('file', csvFile(csv), 'devices.csv');
    noReason.append('registerType', 'MEDICAL_DEVICE');
    await expectRefused(() => postForm(noReason), 422, 'reasonDescription is required', inputError('$.reasonDescription', 'reasonDescription is required'));

    const headerOnly = new FormData();
    headerOnly.append('file', csvFile(`${header}\n`), 'devices.csv');
    await expectRefused(() => postForm(headerOnly, fields), 422, 'The file has a header row but no data line', inputError('$.file', 'The file has a header row but no data line'));
  });

  // BUG (apps/api/src/platform/upload-body.ts): busboy() throws synchronously on a multipart type
  // without a boundary, and that plain Error becomes a 500. Flip to `it` once it is a 422.
  it('is 422 for a multipart Content-Type without a boundary', async () => {
    await expectRefused(() => post(csv, { headers: { 'Content-Type': 'multipart/form-data' } }), 422, 'The multipart body is malformed: Multipart: Boundary not found');
  });

  // BUG (same file): a body cut short ("Unexpected end of form") makes busboy destroy the file part
  // with no 'error' listener (uncaught exception: 500 here, the api PROCESS EXITS under node) and
  // leaves the `closed` promise rejected with no handler (unhandled rejection: the process exits
  // even after a correct 422). Skipped, not `it.fails`: the escaped errors would fail the whole run.
  it('is 422 for a truncated or garbled multipart body, and nothing escapes', async () => {
    const truncated = `--XB\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\nContent-Type: text/csv\r\n\r\n${csv}`;
    for (const body of [truncated, 'garbage']) {
      await expectRefused(() => post(body, { headers: { 'Content-Type': 'multipart/form-data; boundary=XB' } }), 422, 'The multipart body is malformed: Unexpected end of form');
    }
  });
});

describe('POST /v1/device-registry-jobs: Idempotency-Key and access', () => {
  it('answers a repeated key from the same client with the first job (200), never from another client', async () => {
    const key = `import-${randomUUID()}`;
    const first = await accepted(await post(csv, { headers: { 'Idempotency-Key': key } }));
    const before = await stored();
    // The replay is not read: a different file changes nothing.
    expect(await accepted(await post(`${header}\n${row(7)}`, { headers: { 'Idempotency-Key': key } }), 200)).toBe(first);
    expect(await stored()).toEqual(before);

    const other = await api.caller({ scopes: [writeScope] });
    const second = await accepted(await post(csv, { caller: other, headers: { 'Idempotency-Key': key } }));
    expect(second).not.toBe(first);
    expect(await sql(api, 'select id, client_id, tasks_total from jobs where idempotency_key = ? order by inserted_at', [key])).toEqual([
      { id: first, client_id: writer.client.id, tasks_total: 2 },
      { id: second, client_id: other.client.id, tasks_total: 2 },
    ]);
  });

  it('is 422 for an empty or longer than 255 characters key', async () => {
    const detail = 'Idempotency-Key must be 1 to 255 characters';
    for (const key of ['', 'k'.repeat(256), 'k'.repeat(300)]) await expectRefused(() => post(csv, { headers: { 'Idempotency-Key': key } }), 422, detail);
    await accepted(await post(csv, { headers: { 'Idempotency-Key': `${randomUUID()}`.padEnd(255, 'k') } }));
  });

  it('checks the token, then the scope, the active legal entity and the NHS type (SPEC §3), before the body', async () => {
    const anonymous = { token: '', userId: '', client: writer.client, headers: {} } as Caller;
    const forged = { ...anonymous, headers: { Authorization: 'Bearer garbage' } };
    for (const caller of [anonymous, forged]) await expectRefused(() => post('{}', { caller, headers: { 'Content-Type': 'application/json' } }), 401, 'Invalid access token');

    const reader = await api.caller({ scopes: ['device_registry_job:read'], clientStatus: 'SUSPENDED', clientType: 'MIS' });
    await expectRefused(() => post(csv, { caller: reader }), 403, `Your scope does not allow to access this resource. Missing allowances: ${writeScope}`, { missingAllowances: [writeScope] });
    const suspended = await api.caller({ scopes: [writeScope], clientStatus: 'SUSPENDED', clientType: 'MIS' });
    await expectRefused(() => post(csv, { caller: suspended }), 409, 'client_id refers to legal entity that is not active');
    const mis = await api.caller({ scopes: [writeScope], clientType: 'MIS' });
    await expectRefused(() => post(csv, { caller: mis }), 403, "You don't have permission to access this resource");
  });
});
