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
let writer: Caller;

beforeAll(async () => {
  api = await createTestApi();
  writer = await api.caller({ scopes: ['device_registry:write'] });
});
afterAll(() => api.close());

const post = (body: BodyInit, { query = fields, headers = {} }: { query?: string; headers?: Record<string, string> } = {}) =>
  api.app.request(`/v1/device-registry-jobs?${query}`, {
    method: 'POST',
    headers: { 'Content-Type': 'text/csv', ...writer.headers, ...headers },
    body,
    ...(body instanceof ReadableStream ? { duplex: 'half' } : {}),
  });

const sql = async <R>(text: string, values: unknown[] = []): Promise<R[]> => (await api.em().getConnection().execute(text, values)) as R[];

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
