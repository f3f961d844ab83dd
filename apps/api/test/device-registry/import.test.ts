/**
 * The device registry import end to end, in one process: the real api (`app.request`) uploads,
 * a real worker (BullMQ on Redis) runs the chunks, Postgres holds the outcome.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findJob } from '@jabba/domain/engine';
import { waitFor } from '#test/wait-for';
import { createTestApi, type Caller, type TestApi } from '../support';
import { startTestWorker, type TestWorker } from '#test/worker';

export const header = 'classification_type,manufacturer_name,manufacturer_country,model_number,packaging_type,packaging_count,packaging_unit,is_active,device_names.name,device_names.type,description,properties.type,properties.value_integer';

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

const upload = (csv: BodyInit, { query = 'registerType=MEDICAL_DEVICE&reasonDescription=Quarterly%20update', headers = {} as Record<string, string>, caller = writer } = {}) =>
  api.app.request(`/v1/device-registry-jobs?${query}`, {
    method: 'POST',
    headers: { 'Content-Type': 'text/csv', ...caller.headers, ...headers },
    body: csv,
  });

const sql = async <R>(text: string, values: unknown[] = []): Promise<R[]> => (await api.em().getConnection().execute(text, values)) as R[];

async function finished(jobId: string) {
  return waitFor(async () => {
    const job = await findJob(api.em(), jobId);
    return job && job.status !== 'PENDING' ? job : undefined;
  }, { what: `job ${jobId} to end` });
}

describe('POST /v1/device-registry-jobs (text/csv) and the worker', () => {
  it('imports the good records of a file with a BOM, CRLF, quoted commas and line breaks; fails the bad ones by line', async () => {
    const csv = [
      `\uFEFF${header}`,
      'IIa,"Acme, Inc.",UA,M-1,box,10,piece,true,Thermometer|Термометр,USER_PROVIDED|PATIENT_REPORTED,"Reads ""fast""",weight,12',
      'IIb,Acme,DE,M-2,pack,0,ml,false,Syringe,USER_PROVIDED,,,',
      'III,Acme,DE,M-3,pack,5,ml,true,Pump,USER_PROVIDED,"Two',
      'lines, one field",,',
      'I,Acme,XX,M-4,box,1,piece,maybe,Gauze,USER_PROVIDED,,,',
      '',
      'IIa,Acme,UA,M-5,box,2,piece,true,Mask,USER_PROVIDED,,,',
    ].join('\r\n');
    const response = await upload(csv);
    expect(response.status).toBe(202);
    const body = (await response.json()) as { id: string; databaseId: string; status: string };
    expect(body).toEqual({ id: Buffer.from(`DeviceRegistryJob:${body.databaseId}`).toString('base64'), databaseId: body.databaseId, status: 'PENDING' });
    expect(response.headers.get('location')).toBe(`/v1/jobs/${body.databaseId}`);

    const job = await finished(body.databaseId);
    expect(job).toMatchObject({
      type: 'upload_device_definition_registry', strategy: 'CONCURRENT', status: 'FAILED', clientId: writer.client.id, userId: writer.userId,
      meta: { registerType: 'MEDICAL_DEVICE', reasonDescription: 'Quarterly update', csvHeader: header },
      counters: { total: 5, PROCESSED: 3, FAILED: 2, PENDING: 0, NEW: 0 },
    });
    expect(job.endedAt).not.toBeNull();

    const tasks = await sql<{ seq: number; name: string; status: string; meta: Record<string, unknown>; error: unknown; ended_at: Date | null }>(
      'select seq, name, status, meta, error, ended_at from tasks where job_id = ? order by seq', [job.id]);
    expect(tasks.map((t) => [t.meta.csvDataLine, t.status, t.error])).toEqual([
      [2, 'PROCESSED', null],
      [3, 'FAILED', {
        message: 'Line 3: column "packaging_count" must be a positive integer, got "0"',
        extensions: { code: 'VALIDATION_ERROR', fields: [{ column: 'packaging_count', value: '0', rule: 'positive_integer', message: 'column "packaging_count" must be a positive integer, got "0"' }] },
      }],
      [4, 'PROCESSED', null],
      [6, 'FAILED', {
        message: 'Line 6: column "manufacturer_country" has "XX", which is not in the COUNTRY dictionary; column "is_active" must be true or false, got "maybe"',
        extensions: {
          code: 'VALIDATION_ERROR',
          fields: [
            { column: 'manufacturer_country', value: 'XX', rule: 'not_in_dictionary', message: 'column "manufacturer_country" has "XX", which is not in the COUNTRY dictionary' },
            { column: 'is_active', value: 'maybe', rule: 'boolean', message: 'column "is_active" must be true or false, got "maybe"' },
          ],
        },
      }],
      [8, 'PROCESSED', null],
    ]);
    expect(tasks.every((t) => t.name === 'Create device definition' && t.ended_at !== null)).toBe(true);

    const devices = await sql<{ id: string; manufacturer_name: string; description: string | null; properties: unknown; names: string[]; inserted_by: string }>(
      `select d.id, d.manufacturer_name, d.description, d.properties, d.inserted_by, array_agg(n.name order by n.name) as names
       from device_definitions d join device_definition_names n on n.device_definition_id = d.id group by d.id order by d.model_number`);
    expect(devices.map((d) => d.id)).toEqual(tasks.filter((t) => t.status === 'PROCESSED').map((t) => t.meta.databaseId));
    expect(devices[0]).toMatchObject({ manufacturer_name: 'Acme, Inc.', description: 'Reads "fast"', properties: [{ type: 'weight', value_integer: 12 }], names: ['Thermometer', 'Термометр'], inserted_by: writer.userId });
    expect(devices[1]).toMatchObject({ description: 'Two\r\nlines, one field', properties: null, names: ['Pump'] });
  });

  it('ends PROCESSED when every record is good', async () => {
    const lines = Array.from({ length: 2500 }, (_, i) => `I,Acme,UA,M-${i},box,${i + 1},piece,true,Name ${i},USER_PROVIDED,,,`);
    const response = await upload([header, ...lines].join('\n'));
    expect(response.status).toBe(202);
    const { databaseId } = (await response.json()) as { databaseId: string };
    const job = await finished(databaseId);
    expect(job).toMatchObject({ status: 'PROCESSED', counters: { total: 2500, PROCESSED: 2500 } });
    const [row] = await sql<{ n: string }>(`select count(*) as n from tasks t join device_definitions d on d.id = (t.meta->>'databaseId')::uuid where t.job_id = ?`, [databaseId]);
    expect(Number(row!.n)).toBe(2500);
  });
});
