/**
 * Issue 15: a dry run is the device registry import with the save left out. The same file, run dry
 * and then for real by the production handlers on a real worker (in chunks of three, so several
 * chunks run): the same status and the same error task by task, and the dry run writes no device
 * definition, no name and no `databaseId`.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { submitDeviceRegistryUpload } from '@jabba/domain/device-registry';
import { retryJob } from '@jabba/domain/engine';
import { upsertClient } from '@jabba/domain/identity';
import { waitFor } from '#test/wait-for';
import { loadConfig } from '../../src/config';
import { createHandlers } from '../../src/registry';
import { createEngine, type Engine } from '../harness';

const header = 'classification_type,manufacturer_name,manufacturer_country,model_number,packaging_type,packaging_count,packaging_unit,is_active,device_names.name,device_names.type,parent_id';
const parentId = randomUUID();
const missingParent = randomUUID();
const records = [
  'IIa,Acme,UA,M-1,box,10,piece,true,Thermometer|Термометр,USER_PROVIDED|PATIENT_REPORTED,',
  'IIb,Acme,DE,M-2,pack,0,ml,false,Syringe,USER_PROVIDED,',
  `III,Acme,DE,M-3,pack,5,ml,true,Pump,USER_PROVIDED,${parentId}`,
  `I,Acme,PL,M-4,box,1,piece,true,Gauze,USER_PROVIDED,${missingParent}`,
  'I,Acme,XX,M-5,box,1,piece,maybe,Mask,USER_PROVIDED,',
  'I,Acme,UA,M-6,box,1,piece,true,Mask,USER_PROVIDED',
  'IIa,Acme,UA,M-7,box,2,piece,true,Mask,USER_PROVIDED,',
];

const problem = (column: string | null, value: string | null, rule: string, message: string) => ({ column, value, rule, message });
const failure = (line: number, ...fields: ReturnType<typeof problem>[]) => ({
  message: `Line ${line}: ${fields.map((f) => f.message).join('; ')}`,
  extensions: { code: 'VALIDATION_ERROR', fields },
});
const parentMessage = `column "parent_id" refers to device definition ${missingParent}, which does not exist`;
/** What each line of the file ends as, dry or not: [line, status, error]. */
const verdicts = [
  [2, 'PROCESSED', null],
  [3, 'FAILED', failure(3, problem('packaging_count', '0', 'positive_integer', 'column "packaging_count" must be a positive integer, got "0"'))],
  [4, 'PROCESSED', null],
  [5, 'FAILED', failure(5, problem('parent_id', missingParent, 'reference_not_found', parentMessage))],
  [6, 'FAILED', failure(6,
    problem('manufacturer_country', 'XX', 'not_in_dictionary', 'column "manufacturer_country" has "XX", which is not in the COUNTRY dictionary'),
    problem('is_active', 'maybe', 'boolean', 'column "is_active" must be true or false, got "maybe"'))],
  [7, 'FAILED', failure(7, problem(null, null, 'field_count', 'the record has 10 fields but the header has 11'))],
  [8, 'PROCESSED', null],
];

let engine: Engine;
const clientId = randomUUID();
const userId = randomUUID();

const sql = async <R>(text: string, values: unknown[] = []): Promise<R[]> => (await engine.orm.em.fork().getConnection().execute(text, values)) as R[];
const deviceRows = async () => {
  const [row] = await sql<{ definitions: string; names: string }>(
    'select (select count(*) from device_definitions) as definitions, (select count(*) from device_definition_names) as names');
  return { definitions: Number(row!.definitions), names: Number(row!.names) };
};

const insertParent = (id: string, model: string) => sql(
  `insert into device_definitions (id, classification_type, manufacturer_name, manufacturer_country, model_number, packaging_type,
   packaging_count, packaging_unit, is_active) values (?, 'I', 'Acme', 'UA', ?, 'box', 1, 'piece', true)`, [id, model]);

async function importFile(dryRun: boolean) {
  const { job } = await submitDeviceRegistryUpload(engine.orm.em.fork(), engine.queue, {
    csv: [[header, ...records].join('\n')],
    fields: () => ({ registerType: 'MEDICAL_DEVICE', reasonDescription: 'Q3' }),
    clientId, userId, dryRun,
    maxBytes: 1 << 20, maxRecords: 100, maxRecordBytes: 1 << 16, csvPath: '$.file', chunkSize: 3,
  });
  const ended = await engine.waitForEnd(job.id);
  return { job: ended, tasks: await engine.tasks(job.id) };
}

beforeAll(async () => {
  engine = await createEngine();
  await upsertClient(engine.orm.em.fork(), { id: clientId, name: 'Dry run', type: 'NHS' });
  await insertParent(parentId, 'PARENT');
  await engine.startWorker(createHandlers(loadConfig({})));
});
afterAll(() => engine.close());

describe('a device registry dry run', () => {
  it('checks every record as an import does, fails the same lines with the same errors, and creates nothing', async () => {
    const before = await deviceRows();
    const dry = await importFile(true);
    expect(dry.job).toMatchObject({
      status: 'FAILED',
      meta: { registerType: 'MEDICAL_DEVICE', reasonDescription: 'Q3', csvHeader: header, dryRun: true },
      counters: { total: 7, PROCESSED: 3, FAILED: 4, RESCUED: 0, PENDING: 0, NEW: 0 },
    });
    expect(dry.tasks.map((t) => [t.meta?.csvDataLine, t.status, t.error])).toEqual(verdicts);
    // A good line is PROCESSED (checked, would be created) with no databaseId: no device exists.
    expect(dry.tasks.map((t) => t.meta)).toEqual(verdicts.map(([line]) => ({ csvDataLine: line })));
    expect(await deviceRows()).toEqual(before);

    const real = await importFile(false);
    expect(real.job).toMatchObject({ status: 'FAILED', meta: { dryRun: false }, counters: { total: 7, PROCESSED: 3, FAILED: 4 } });
    expect(real.tasks.map((t) => [t.meta?.csvDataLine, t.status, t.error])).toEqual(verdicts);
    const created = real.tasks.filter((t) => t.status === 'PROCESSED').map((t) => t.meta?.databaseId);
    expect(created).toEqual([expect.any(String), expect.any(String), expect.any(String)]);
    expect(await deviceRows()).toEqual({ definitions: before.definitions + 3, names: before.names + 4 });
    const [child] = await sql<{ parent_id: string }>('select parent_id from device_definitions where id = ?', [created[1]]);
    expect(child).toEqual({ parent_id: parentId });
  });

  it('stays dry when its failed tasks are retried, even those that pass now', async () => {
    const dry = await importFile(true);
    // Line 5's parent appears: its retry passes, and must still create nothing.
    await insertParent(missingParent, 'LATE-PARENT');
    const before = await deviceRows();
    await retryJob(engine.orm.em.fork(), engine.queue, dry.job.id);
    const again = await waitFor(async () => {
      const job = await engine.job(dry.job.id);
      return job.status !== 'PENDING' && job.counters.PROCESSED === 4 ? job : undefined;
    }, { what: 'the retried dry run to end' });
    expect(again.counters).toMatchObject({ total: 7, PROCESSED: 4, FAILED: 3 });
    const line5 = (await engine.tasks(dry.job.id)).find((t) => t.meta?.csvDataLine === 5);
    expect(line5).toMatchObject({ status: 'PROCESSED', error: null, meta: { csvDataLine: 5 } });
    expect(line5?.meta).not.toHaveProperty('databaseId');
    expect(await deviceRows()).toEqual(before);
  });
});
