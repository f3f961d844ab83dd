/**
 * Issue 11, bounded resources, through `POST /v1/device-registry-jobs`: an upload holds no
 * connection or transaction while its client is still sending, and every limit (records, record
 * size, NUL bytes, multipart parts and fields) is a 4xx problem naming the line or the field, before
 * the 202 and with nothing stored.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '#test/wait-for';
import { createTestApi, type Caller, type TestApi } from '../support';

const header = 'classification_type,manufacturer_name,manufacturer_country,model_number,packaging_type,packaging_count,packaging_unit,is_active,device_names.name,device_names.type';
const row = (n: number): string => `IIa,Acme,UA,M-${n},box,10,piece,true,Thermometer,USER_PROVIDED`;
const fields = 'registerType=MEDICAL_DEVICE&reasonDescription=Update';
const encode = (text: string): Uint8Array => new TextEncoder().encode(text);

let api: TestApi;
/** Small limits: 3 records of at most 200 bytes (the header is 163), 1,000 bytes in all, 2 uploads at once. */
let limited: TestApi;
let writer: Caller;
let limitedWriter: Caller;

beforeAll(async () => {
  [api, limited] = await Promise.all([
    createTestApi(),
    createTestApi({ env: { IMPORT_MAX_RECORDS: '3', IMPORT_MAX_RECORD_BYTES: '200', IMPORT_MAX_BYTES: '1000', IMPORT_MAX_CONCURRENT: '2' } }),
  ]);
  [writer, limitedWriter] = await Promise.all([api.caller({ scopes: ['device_registry:write'] }), limited.caller({ scopes: ['device_registry:write'] })]);
});
afterAll(() => Promise.all([api.close(), limited.close()]));

interface PostOptions { query?: string; headers?: Record<string, string>; target?: TestApi }
const post = (body: BodyInit, { query = fields, headers = {}, target = api }: PostOptions = {}) =>
  target.app.request(`/v1/device-registry-jobs?${query}`, {
    method: 'POST',
    headers: { 'Content-Type': 'text/csv', ...(target === api ? writer : limitedWriter).headers, ...headers },
    body,
    ...(body instanceof ReadableStream ? { duplex: 'half' } : {}),
  });

const sql = async <R>(text: string, values: unknown[] = [], target = api): Promise<R[]> =>
  (await target.em().getConnection().execute(text, values)) as R[];

const problemKinds: Record<number, [string, string]> = {
  413: ['/problems/payload-too-large', 'Content Too Large'],
  422: ['/problems/unprocessable-entity', 'Unprocessable Content'],
};

/** The refusal's exact problem, naming `path`, with no job or task stored. */
async function expectRefused(send: () => Response | Promise<Response>, status: number, path: string, detail: string, { message = detail, target = api } = {}): Promise<void> {
  const stored = () => sql('select (select count(*)::int from jobs) as jobs, (select count(*)::int from tasks) as tasks', [], target);
  const before = await stored();
  const answer = await send();
  const [type, title] = problemKinds[status]!;
  expect({ status: answer.status, body: await answer.json() }).toEqual({
    status, body: { type, title, status, detail, requestId: expect.any(String), inputErrors: [{ path, message }] },
  });
  expect(await stored()).toEqual(before);
}

/** Sessions of this test's database, other than the asking one, that are inside a transaction. */
const openTransactions = () =>
  sql<{ state: string; query: string }>(
    'select state, query from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid() and xact_start is not null',
  );

/**
 * A body sent in pieces: `parts` at once, then nothing until `finish()`, which sends `rest` and
 * ends it. `waiting` turns true once the api has read every piece sent and asks for more.
 */
function heldBody(parts: string[], rest: string) {
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const state = { waiting: false, finish };
  const queue = [...parts];
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = queue.shift();
      if (next !== undefined) return controller.enqueue(encode(next));
      state.waiting = true;
      await finished;
      controller.enqueue(encode(rest));
      controller.close();
    },
  });
  return { stream, state };
}

describe('IMPORT_MAX_CONCURRENT', () => {
  it('refuses an upload over the cap at once with 503 and Retry-After, through REST and GraphQL, and frees a slot when an upload ends', async () => {
    const held = [heldBody([`${header}\n`], `${row(1)}\n`), heldBody([`${header}\n`], `${row(1)}\n`)];
    const uploads = held.map(async ({ stream }) => post(stream, { target: limited }));
    try {
      await waitFor(() => held.every(({ state }) => state.waiting), { what: 'both uploads to be received' });
      const refused = await post(`${header}\n${row(1)}\n`, { target: limited });
      expect({ status: refused.status, retryAfter: refused.headers.get('retry-after'), body: await refused.json() }).toEqual({
        status: 503,
        retryAfter: '5',
        body: {
          type: '/problems/busy', title: 'Service Unavailable', status: 503,
          detail: 'This api process is receiving 2 uploads already; try again in 5 seconds', requestId: expect.any(String),
        },
      });
      const graphql = await limited.graphql({
        query: 'mutation($input: UploadDeviceRegistryInput!) { uploadDeviceRegistry(input: $input) { deviceRegistryJob { id } } }',
        variables: { input: { registerType: 'MEDICAL_DEVICE', reasonDescription: 'Update', csvData: `${header}\n${row(1)}\n` } },
        token: limitedWriter.token,
      });
      expect(graphql.body.errors?.map((e) => [e.message, e.extensions?.code])).toEqual([
        ['This api process is receiving 2 uploads already; try again in 5 seconds', 'INTERNAL_SERVER_ERROR'],
      ]);
    } finally {
      for (const { state } of held) state.finish();
    }
    expect((await Promise.all(uploads)).map((r) => r.status)).toEqual([202, 202]);
    expect((await post(`${header}\n${row(1)}\n`, { target: limited })).status).toBe(202);
  });
});

describe('an upload and the database', () => {
  it('holds no transaction (nor a connection) while the client is still sending the file', async () => {
    const { stream, state } = heldBody([`${header}\n`, `${row(1)}\n`], `${row(2)}\n`);
    const response = post(stream);
    try {
      await waitFor(() => state.waiting, { what: 'the api to wait for more of the body' });
      expect(await openTransactions()).toEqual([]);
    } finally {
      state.finish();
    }
    const answer = await response;
    expect(answer.status).toBe(202);
    const { databaseId } = (await answer.json()) as { databaseId: string };
    expect(await sql('select seq, input from tasks where job_id = ? order by seq', [databaseId])).toEqual([{ seq: 1, input: row(1) }, { seq: 2, input: row(2) }]);
  });
});

describe('record limits', () => {
  it('is 413 naming the first line past IMPORT_MAX_RECORDS, before the 202', async () => {
    // A blank line counts as a line but holds no record.
    await expectRefused(() => post(`${header}\n${row(1)}\n\n${row(2)}\n${row(3)}\n${row(4)}\n`, { target: limited }), 413, '$.body', 'Line 6: the file has more than 3 records', { target: limited });
    expect((await post(`${header}\n${row(1)}\n${row(2)}\n${row(3)}\n`, { target: limited })).status).toBe(202);
  });

  it('is 422 naming the line of a record longer than IMPORT_MAX_RECORD_BYTES, counted in UTF-8 bytes', async () => {
    expect(Buffer.byteLength(header)).toBe(163);
    // 127 characters, but 207 bytes.
    const wide = row(2).replace('Thermometer', 'ü'.repeat(80));
    await expectRefused(() => post(`${header}\n${row(1)}\n${wide}\n`, { target: limited }), 422, '$.body', 'Line 3: the record is longer than 200 bytes', { target: limited });
  });

  it('refuses a quote that never closes as soon as its record passes the bound, not at the end of the file', async () => {
    const rest = Array.from({ length: 5 }, (_, i) => `${row(i)}\n`).join('');
    const { stream, state } = heldBody([`${header}\n${row(1)}\n"open,${rest}`], rest);
    try {
      // The body never ends until `finish()`: an answer at all shows the refusal came before its end.
      await expectRefused(() => post(stream, { target: limited }), 422, '$.body', 'Line 3: the record is longer than 200 bytes', { target: limited });
    } finally {
      state.finish();
    }
  });
});

describe('NUL bytes', () => {
  it('is 422 naming the line of a record with a NUL byte, or the form field holding one', async () => {
    await expectRefused(() => post(`${header}\n${row(1)}\n${row(2).replace('Acme', 'Ac\0me')}\n`), 422, '$.body', 'Line 3: the record contains a NUL byte');
    await expectRefused(() => post(`${header.replace('is_active', 'is\0active')}\n${row(1)}\n`), 422, '$.body', 'Line 1: the record contains a NUL byte');
    await expectRefused(() => post(`${header}\n${row(1)}\n`, { query: 'registerType=MEDICAL%00DEVICE&reasonDescription=Update' }), 422, '$.registerType', 'registerType contains a NUL byte');
    const form = new FormData();
    form.append('registerType', 'MEDICAL_DEVICE');
    form.append('reasonDescription', 'Up\0date');
    form.append('file', new Blob([`${header}\n${row(1)}\n`]), 'devices.csv');
    await expectRefused(() => api.app.request('/v1/device-registry-jobs', { method: 'POST', headers: writer.headers, body: form }), 422, '$.reasonDescription', 'reasonDescription contains a NUL byte');
  });
});

describe('multipart bodies', () => {
  const part = (name: string, value: string, filename?: string): string =>
    `--XB\r\nContent-Disposition: form-data; name="${name}"${filename ? `; filename="${filename}"\r\nContent-Type: text/csv` : ''}\r\n\r\n${value}\r\n`;
  const form = { 'Content-Type': 'multipart/form-data; boundary=XB' };
  const csv = `${header}\n${row(1)}\n`;
  /** Chunked, so that only counting while it streams can bound it (no Content-Length to refuse up front). */
  const chunked = (text: string) => new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encode(text));
      controller.close();
    },
  });

  it('is 422 at once for a second "file" part, while the client is still sending', async () => {
    const { stream, state } = heldBody([part('file', csv, 'a.csv'), part('file', csv, 'b.csv')], '--XB--\r\n');
    try {
      const detail = 'The multipart body has more than one "file" part';
      await expectRefused(() => post(stream, { headers: form }), 422, '$.file', detail, { message: 'is given more than once' });
    } finally {
      state.finish();
    }
  });

  it('counts the form fields and other parts toward IMPORT_MAX_BYTES, not only the file', async () => {
    const body = (note: string) => `${part('registerType', 'MEDICAL_DEVICE')}${part('reasonDescription', 'Update')}${part('note', note)}${part('file', csv, 'a.csv')}--XB--\r\n`;
    expect((await post(chunked(body('short')), { headers: form, target: limited })).status).toBe(202);
    const message = 'The file is larger than the limit of 1000 bytes';
    const refused = await post(chunked(body('x'.repeat(700))), { headers: form, target: limited });
    expect({ status: refused.status, detail: ((await refused.json()) as { detail: string }).detail }).toEqual({ status: 413, detail: message });
  });

  it('is 413 naming a field longer than 64 KiB, and for a form of more than 20 fields', async () => {
    const long = `${part('registerType', 'MEDICAL_DEVICE')}${part('reasonDescription', 'x'.repeat(70_000))}${part('file', csv, 'a.csv')}--XB--\r\n`;
    await expectRefused(() => post(chunked(long), { headers: form }), 413, '$.reasonDescription', 'The field reasonDescription is longer than 65536 bytes');
    const many = `${Array.from({ length: 21 }, (_, i) => part(`extra${i}`, 'x')).join('')}${part('file', csv, 'a.csv')}--XB--\r\n`;
    const refused = await post(chunked(many), { query: fields, headers: form });
    expect({ status: refused.status, body: await refused.json() }).toEqual({
      status: 413,
      body: { type: problemKinds[413]![0], title: 'Content Too Large', status: 413, detail: 'The form has more than 20 fields', requestId: expect.any(String) },
    });
  });

  it('is 400, not 500, for a body that breaks off before its end', async () => {
    for (const [type, start] of [['text/csv', csv], [form['Content-Type'], part('file', csv, 'a.csv')]] as const) {
      const broken = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(encode(start));
          controller.error(new Error('connection reset'));
        },
      });
      const response = await post(broken, { headers: { 'Content-Type': type } });
      expect({ status: response.status, body: await response.json() }).toEqual({
        status: 400,
        body: { type: '/problems/bad-request', title: 'Bad Request', status: 400, detail: 'The request body ended before it was complete', requestId: expect.any(String) },
      });
    }
  });
});
