/**
 * Errors a person can act on: a CSV with one known bad cell per rule, uploaded through GraphQL and
 * run by a real worker, comes back through GraphQL with each task's `error.extensions.fields`
 * (column, value, rule, message), its `record` cell by cell and its `csvDataLine`, exactly as the
 * tasks store them; reading the records of a page costs one statement, not one per task.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findJob } from '@jabba/domain/engine';
import { waitFor } from '#test/wait-for';
import { startTestWorker, type TestWorker } from '#test/worker';
import { createTestApi, type Caller, type TestApi } from '../support';

const header = 'classification_type,manufacturer_name,manufacturer_country,model_number,packaging_type,packaging_count,packaging_unit,is_active,device_names.name,device_names.type,properties.type,properties.value_integer,properties.value_boolean,parent_id';
const columns = header.split(',');
const missingParent = randomUUID();
const longModel = 'm'.repeat(300);
/** Line → record; line 2 is good, every other one breaks the rules its comment names. */
const records: Record<number, string> = {
  2: 'IIa,Acme,UA,M-2,box,10,piece,true,Thermometer,USER_PROVIDED,,,,',
  // required, not_in_dictionary, max_length, positive_integer, boolean, uuid
  3: `IIa, ,XX,${longModel},box,ten,piece,yes,Pump,USER_PROVIDED,,,,not-a-uuid`,
  4: 'IIa,Acme,UA,M-4,box,1,piece,true,Pump|Pipe,USER_PROVIDED,,,,', // list_length_mismatch
  5: 'IIa,Acme,UA,M-5,box,1,piece,true,Pump|,USER_PROVIDED|USER_PROVIDED,,,,', // list_value_empty
  6: 'IIa,Acme,UA,M-6,box,1,piece,true,Pump,USER_PROVIDED,,5,,', // required_with_value
  7: 'IIa,Acme,UA,M-7,box,1,piece,true,Pump,USER_PROVIDED,weight,5,true,', // property_value_count
  8: 'IIa,Acme,UA,M-8,box,1,piece,true,Pump,USER_PROVIDED,sterile,,maybe,', // typed_value
  9: `IIa,Acme,UA,M-9,box,1,piece,true,Pump,USER_PROVIDED,,,,${missingParent}`, // reference_not_found
  10: 'IIa,Acme,UA', // field_count
  11: 'IIa,"Acme"x,UA,M-11,box,1,piece,true,Pump,USER_PROVIDED,,,,', // malformed_csv
};
const csv = [header, ...Object.values(records)].join('\n');

type Field = { column: string | null; value: string | null; rule: string; message: string };
const cell = (column: string | null, value: string | null, rule: string, message: string): Field => ({ column, value, rule, message });

/** Line → the problems its task must list, in the order of its message. */
const expected: Record<number, Field[]> = {
  3: [
    cell('manufacturer_name', '', 'required', 'column "manufacturer_name" is required'),
    cell('manufacturer_country', 'XX', 'not_in_dictionary', 'column "manufacturer_country" has "XX", which is not in the COUNTRY dictionary'),
    cell('model_number', 'm'.repeat(200), 'max_length', 'column "model_number" is longer than 255 characters (300)'),
    cell('packaging_count', 'ten', 'positive_integer', 'column "packaging_count" must be a positive integer, got "ten"'),
    cell('is_active', 'yes', 'boolean', 'column "is_active" must be true or false, got "yes"'),
    cell('parent_id', 'not-a-uuid', 'uuid', 'column "parent_id" must be a UUID, got "not-a-uuid"'),
  ],
  4: [cell(null, null, 'list_length_mismatch', 'columns device_names.name, device_names.type must list as many values (separated by "|"): device_names.name has 2, device_names.type has 1')],
  5: [cell('device_names.name', 'Pump|', 'list_value_empty', 'column "device_names.name" value 2 is empty')],
  6: [cell('properties.type', '', 'required_with_value', 'column "properties.type" is required when a property value is given')],
  7: [cell(null, null, 'property_value_count', 'property 1 ("weight") must have exactly one value, found value_integer, value_boolean')],
  8: [cell('properties.value_boolean', 'maybe', 'typed_value', 'column "properties.value_boolean" value 1 is not a valid boolean: "maybe"')],
  9: [cell('parent_id', missingParent, 'reference_not_found', `column "parent_id" refers to device definition ${missingParent}, which does not exist`)],
  10: [cell(null, null, 'field_count', `the record has 3 fields but the header has ${columns.length}`)],
  11: [cell(null, null, 'malformed_csv', 'a quoted field has characters after its closing quote')],
};
const failedLines = Object.keys(expected).map(Number);
const messageOf = (line: number): string => `Line ${line}: ${expected[line]!.map((f) => f.message).join('; ')}`;

interface TaskNode {
  id: string;
  csvDataLine: number;
  record: { column: string; value: string }[] | null;
  error: { message: string; extensions: { code: string; fields: Field[] | null } } | null;
}

const taskSelection = 'id csvDataLine record { column value } error { message extensions { code fields { column value rule message } } }';

let api: TestApi;
let worker: TestWorker;
let user: Caller;
let jobGlobalId: string;
let jobId: string;

beforeAll(async () => {
  api = await createTestApi();
  worker = await startTestWorker(api);
  user = await api.caller({ scopes: ['device_registry:write', 'device_registry_job:read'] });
  const { body } = await api.graphql<{ uploadDeviceRegistry: { deviceRegistryJob: { id: string; databaseId: string } } }>({
    query: 'mutation($csv: String!) { uploadDeviceRegistry(input: { registerType: "MEDICAL_DEVICE", reasonDescription: "fields", csvData: $csv }) { deviceRegistryJob { id databaseId } } }',
    variables: { csv },
    token: user.token,
  });
  expect(body.errors).toBeUndefined();
  ({ id: jobGlobalId, databaseId: jobId } = body.data!.uploadDeviceRegistry.deviceRegistryJob);
  await waitFor(async () => ((await findJob(api.em(), jobId))?.status === 'FAILED' ? true : undefined), { what: 'the import to end' });
});

afterAll(async () => {
  await worker.close();
  await api.close();
});

/** Runs a query as the uploader, returning its data and the statements it ran (client lookups aside). */
async function query<T>(text: string, variables: Record<string, unknown> = {}): Promise<{ data: T; statements: string[] }> {
  const knex = api.orm.em.getConnection().getKnex();
  const statements: string[] = [];
  const record = ({ sql }: { sql: string }) => statements.push(sql);
  knex.on('query', record);
  try {
    const { body } = await api.graphql<T>({ query: text, variables, token: user.token });
    expect(body.errors).toBeUndefined();
    return { data: body.data!, statements: statements.filter((sql) => !/\bfrom clients\b/.test(sql)) };
  } finally {
    knex.off('query', record);
  }
}

const failedTasks = async () => query<{ deviceRegistryJob: { tasks: { nodes: TaskNode[] } } }>(
  `query($id: ID!) { deviceRegistryJob(id: $id) { tasks(filter: { status: FAILED }, first: 50) { nodes { ${taskSelection} } } } }`,
  { id: jobGlobalId },
);

describe('a failed record through GraphQL', () => {
  it('lists each problem with its column, value, rule and message, as the task stores it', async () => {
    const { data } = await failedTasks();
    const nodes = data.deviceRegistryJob.tasks.nodes;
    expect(nodes.map((t) => t.csvDataLine)).toEqual(failedLines);
    for (const task of nodes) {
      expect(task.error).toEqual({ message: messageOf(task.csvDataLine), extensions: { code: 'VALIDATION_ERROR', fields: expected[task.csvDataLine] } });
    }

    const stored = (await api.em().getConnection().execute('select meta, error from tasks where job_id = ? order by seq', [jobId])) as { meta: { csvDataLine: number }; error: unknown }[];
    expect(stored.map((t) => [t.meta.csvDataLine, t.error])).toEqual([
      [2, null],
      ...failedLines.map((line) => [line, { message: messageOf(line), extensions: { code: 'VALIDATION_ERROR', fields: expected[line] } }]),
    ]);
  });

  it('shows each record cell by cell in header order; null for a record that is not CSV', async () => {
    const byLine = new Map((await failedTasks()).data.deviceRegistryJob.tasks.nodes.map((t) => [t.csvDataLine, t.record]));
    expect(byLine.get(3)).toEqual(columns.map((column, i) => ({ column, value: records[3]!.split(',')[i]!.trim() })));
    expect(byLine.get(3)?.find((c) => c.column === 'model_number')?.value).toBe(longModel);
    expect(byLine.get(10)).toEqual([{ column: 'classification_type', value: 'IIa' }, { column: 'manufacturer_name', value: 'Acme' }, { column: 'manufacturer_country', value: 'UA' }]);
    expect(byLine.get(11)).toBeNull();
  });

  it('reads the records of a page in one statement and the header from the job already loaded', async () => {
    const { statements } = await failedTasks();
    expect(statements.filter((sql) => /\bfrom tasks\b/.test(sql))).toHaveLength(2);
    expect(statements.filter((sql) => /select id, input from tasks/.test(sql))).toHaveLength(1);
    expect(statements.filter((sql) => /\bfrom jobs\b/.test(sql))).toHaveLength(1);
  });

  it('reads a task reached by node(id) by its job\'s header too, and a good one has no error fields', async () => {
    const { data: page } = await query<{ deviceRegistryJob: { tasks: { nodes: { id: string; csvDataLine: number }[] } } }>(
      'query($id: ID!) { deviceRegistryJob(id: $id) { tasks(first: 2) { nodes { id csvDataLine } } } }', { id: jobGlobalId });
    const [good, bad] = page.deviceRegistryJob.tasks.nodes;
    const { data } = await query<{ good: TaskNode; bad: TaskNode }>(
      `query($good: ID!, $bad: ID!) { good: node(id: $good) { ... on DeviceRegistryTask { ${taskSelection} } } bad: node(id: $bad) { ... on DeviceRegistryTask { ${taskSelection} } } }`,
      { good: good!.id, bad: bad!.id },
    );
    expect(data.good).toEqual({ id: good!.id, csvDataLine: 2, record: columns.map((column, i) => ({ column, value: records[2]!.split(',')[i]! })), error: null });
    expect(data.bad.error?.extensions.fields).toEqual(expected[3]);
    expect(data.bad.record?.[1]).toEqual({ column: 'manufacturer_name', value: '' });
  });
});
