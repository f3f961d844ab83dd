/**
 * `POST /v1/merge-candidates` (issue 5) end to end in one process: the real api uploads a CSV or a
 * JSON array, a real worker (BullMQ on Redis) runs the chunks, Postgres holds candidates, persons,
 * audit rows and each task's outcome. Then every refusal, with its exact problem and nothing stored.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findJob } from '@jabba/domain/engine';
import { csvLine } from '@jabba/domain/csv';
import { messages } from '@jabba/domain/identity';
import { readFile } from 'node:fs/promises';
import { waitFor } from '#test/wait-for';
import { toGlobalId } from '../../src/platform/global-ids';
import { createTestApi, type Caller, type TestApi } from '../support';
import { startTestWorker, type TestWorker } from '#test/worker';

const header = 'merge_candidate_id,person_id,master_person_id,person_first_name,person_last_name,person_birth_date,master_first_name,master_last_name,master_birth_date';
const writeScope = 'merge_candidate:write';
const pairTaken = (place: string) => ({ message: `${place}: the pair (master_person_id, person_id) is already a merge candidate`, extensions: { code: 'CONFLICT' } });
/** A record's one problem: the task's message, and `extensions.fields` naming it (its message is the text after the place). */
const invalid = (message: string, [column, value, rule]: [string | null, string | null, string]) =>
  ({ message, extensions: { code: 'VALIDATION_ERROR', fields: [{ column, value, rule, message: message.slice(message.indexOf(': ') + 2) }] } });

let api: TestApi;
let small: TestApi;
let worker: TestWorker;
let writer: Caller;

beforeAll(async () => {
  [api, small] = await Promise.all([createTestApi(), createTestApi({ env: { IMPORT_MAX_BYTES: '200' } })]);
  worker = await startTestWorker(api);
  writer = await api.caller({ scopes: [writeScope, 'merge_candidate_job:read'] });
});

afterAll(async () => {
  await worker.close();
  await Promise.all([api.close(), small.close()]);
});

interface PostOptions { type?: string | null; caller?: Caller | null; target?: TestApi; headers?: Record<string, string> }
const post = (body: BodyInit | null, { type = 'text/csv', caller = writer, target = api, headers = {} }: PostOptions = {}) =>
  target.app.request('/v1/merge-candidates', {
    method: 'POST',
    headers: { ...(type === null ? {} : { 'Content-Type': type }), ...caller?.headers, ...headers },
    ...(body === null ? {} : { body }),
  });
const postJson = (value: unknown, options: PostOptions = {}) => post(JSON.stringify(value), { type: 'application/json', ...options });

/** A uuid[] parameter as Postgres array text (the query builder would spread a JS array into a list). */
const uuids = (ids: readonly unknown[]): string => `{${ids.join(',')}}`;
const sql = async <R>(text: string, values: unknown[] = [], target = api): Promise<R[]> => (await target.em().getConnection().execute(text, values)) as R[];

async function accepted(response: Response): Promise<string> {
  expect(response.status).toBe(202);
  // The shape every job-creating endpoint answers with.
  const body = (await response.json()) as { databaseId: string };
  expect(body).toEqual({ id: toGlobalId('GenericJob', body.databaseId), databaseId: expect.stringMatching(/^[0-9a-f-]{36}$/), status: 'PENDING' });
  expect(response.headers.get('location')).toBe(`/v1/jobs/${body.databaseId}`);
  return body.databaseId;
}

const finished = (jobId: string) =>
  waitFor(async () => {
    const job = await findJob(api.em(), jobId);
    return job && job.status !== 'PENDING' ? job : undefined;
  }, { what: `job ${jobId} to end` });

interface TaskRow { seq: number; name: string; status: string; meta: Record<string, unknown>; error: unknown; input: string }
const tasksOf = (jobId: string) => sql<TaskRow>('select seq, name, status, meta, error, input from tasks where job_id = ? order by seq', [jobId]);
const personOf = async (id: string) => (await sql('select first_name, last_name, birth_date::text from persons where id = ?', [id]))[0];

/** A person, and a candidate pairing two persons, stored before the upload. */
async function storedPair(person = randomUUID(), master = randomUUID(), masterName = 'Stored'): Promise<[string, string]> {
  await sql(`insert into persons (id, first_name) values (?, null), (?, ?) on conflict do nothing`, [person, master, masterName]);
  await sql('insert into manual_merge_candidates (merge_candidate_id, person_id, master_person_id) values (?, ?, ?)', [randomUUID(), person, master]);
  return [person, master];
}

describe('POST /v1/merge-candidates and the worker', () => {
  it('imports a CSV: good records become candidates with their persons, bad uuids, dates and duplicate pairs fail by line', async () => {
    const [p0, m0] = await storedPair();
    const [p1, p2, p3, m1] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    const k = Array.from({ length: 8 }, () => randomUUID());
    const records = [
      `${k[0]},${p1},${m1},"Ann, Jr.",Smith,1990-02-28,Max,Mustermann,1960-01-01`,
      `${k[1]},not-a-uuid,${m1},,,,,,`,
      `${k[2]},${p2},${m1},,,1990-13-01,,,`,
      `${k[3]},${m1},${m1.toUpperCase()},,,,,,`,
      `${k[4]},${p1},${m1},Again,,,,,`,
      `${k[5]},${p0},${m0},Other,,,Changed,,`,
      `${k[6]},${p3},${m1},"Two\r\nlines",,,,,`,
      `${k[7]},${m1},${p1},,,,,,`,
    ];
    const jobId = await accepted(await post(`\uFEFF${header}\r\n${records.join('\r\n')}\r\n`));

    const job = await finished(jobId);
    expect(job).toMatchObject({
      type: 'import_manual_merge_candidates', name: 'Import manual merge candidates', strategy: 'CONCURRENT', status: 'FAILED',
      clientId: writer.client.id, userId: writer.userId, meta: { source: 'csv', csvHeader: header },
      counters: { total: 8, PROCESSED: 3, FAILED: 5 },
    });
    const tasks = await tasksOf(jobId);
    expect(tasks.map((t) => [t.meta.csvDataLine, t.status, t.error])).toEqual([
      [2, 'PROCESSED', null],
      [3, 'FAILED', invalid('Line 3: column "person_id" must be a UUID, got "not-a-uuid"', ['person_id', 'not-a-uuid', 'uuid'])],
      [4, 'FAILED', invalid('Line 4: column "person_birth_date" must be a date YYYY-MM-DD, got "1990-13-01"', ['person_birth_date', '1990-13-01', 'date'])],
      [5, 'FAILED', invalid('Line 5: columns "person_id" and "master_person_id" must name two different persons', [null, null, 'distinct_persons'])],
      [6, 'FAILED', pairTaken('Line 6')],
      [7, 'FAILED', pairTaken('Line 7')],
      [8, 'PROCESSED', null],
      [10, 'PROCESSED', null],
    ]);
    expect(tasks.map((t) => t.input)).toEqual(records);
    expect(tasks.every((t) => t.name === 'Import merge candidate')).toBe(true);

    const processed = tasks.filter((t) => t.status === 'PROCESSED');
    const candidates = await sql<Record<string, unknown>>(
      `select id, merge_candidate_id, person_id, master_person_id, status, assignee_id from manual_merge_candidates
       where id = any(?::uuid[]) order by array_position(?::uuid[], id)`, [uuids(processed.map((t) => t.meta.databaseId)), uuids(processed.map((t) => t.meta.databaseId))]);
    expect(candidates).toEqual([[k[0], p1, m1], [k[6], p3, m1], [k[7], m1, p1]].map(([mergeCandidateId, person, master], i) => ({
      id: processed[i]!.meta.databaseId, merge_candidate_id: mergeCandidateId, person_id: person, master_person_id: master, status: 'NEW', assignee_id: null,
    })));
    expect(await personOf(p1)).toEqual({ first_name: 'Ann, Jr.', last_name: 'Smith', birth_date: '1990-02-28' });
    expect(await personOf(m1)).toEqual({ first_name: 'Max', last_name: 'Mustermann', birth_date: '1960-01-01' });
    expect(await personOf(p3)).toEqual({ first_name: 'Two\r\nlines', last_name: null, birth_date: null });
    // Failed records change nothing: no person for a refused record, no details from a taken pair.
    expect(await personOf(p2)).toBeUndefined();
    expect(await personOf(m0)).toEqual({ first_name: 'Stored', last_name: null, birth_date: null });

    const audits = await sql<Record<string, unknown>>('select actor_id, resource, resource_id, changeset from audit_log where resource_id = any(?::uuid[])', [uuids(candidates.map((c) => c.id))]);
    expect(audits).toHaveLength(3);
    expect(audits).toContainEqual({
      actor_id: writer.userId, resource: 'manual_merge_candidates', resource_id: candidates[0]!.id,
      changeset: { merge_candidate_id: k[0], person_id: p1, master_person_id: m1, status: 'NEW' },
    });

    const status = await api.app.request(`/v1/jobs/${jobId}`, { headers: writer.headers });
    expect(await status.json()).toMatchObject({ databaseId: jobId, type: 'import_manual_merge_candidates', status: 'FAILED', meta: { source: 'csv' }, progress: { total: 8, processed: 3, failed: 5 } });
    const other = await api.caller({ scopes: [writeScope] });
    expect((await api.app.request(`/v1/jobs/${jobId}`, { headers: other.headers })).status).toBe(404);

    const report = await (await api.app.request(`/v1/jobs/${jobId}/errors.csv`, { headers: writer.headers })).text();
    expect(report.split('\r\n')[0]).toBe(`csv_data_line,error_code,error_message,${header}`);
    expect(report).toContain(`${csvLine(['6', 'CONFLICT', pairTaken('Line 6').message])},${records[4]}\r\n`);
  });

  it('imports examples/merge-candidates.csv: three candidates, and line 4 fails on its impossible birth date', async () => {
    const jobId = await accepted(await post(await readFile(new URL('../../../../examples/merge-candidates.csv', import.meta.url), 'utf8')));
    await finished(jobId);
    const tasks = await tasksOf(jobId);
    expect(tasks.map((t) => t.status)).toEqual(['PROCESSED', 'PROCESSED', 'FAILED', 'PROCESSED']);
    expect(tasks[2]?.error).toMatchObject({ message: expect.stringMatching(/^Line 4: .*master_birth_date/), extensions: { code: 'VALIDATION_ERROR' } });
  });

  it('imports a JSON array: one task per item by index; a known person keeps its details', async () => {
    const [p0, m0] = await storedPair();
    const known = randomUUID();
    await sql('insert into persons (id, first_name, last_name) values (?, ?, ?)', [known, 'Old', 'Keep']);
    const [p1, m1, m2] = [randomUUID(), randomUUID(), randomUUID()];
    const items = [
      { merge_candidate_id: randomUUID(), person_id: p1, master_person_id: m1, person_first_name: 'Jo', master_birth_date: '1950-05-05' },
      { merge_candidate_id: randomUUID(), person_id: 'bad', master_person_id: m1 },
      { merge_candidate_id: randomUUID(), person_id: p1, master_person_id: m1 },
      { merge_candidate_id: randomUUID(), person_id: p0, master_person_id: m0 },
      { merge_candidate_id: randomUUID(), person_id: known, master_person_id: m2, person_first_name: 'New', person_last_name: null },
      { merge_candidate_id: randomUUID(), person_id: 5, master_person_id: m2 },
    ];
    const jobId = await accepted(await postJson(items, { type: 'application/json; charset=utf-8' }));

    const job = await finished(jobId);
    expect(job).toMatchObject({ status: 'FAILED', meta: { source: 'json' }, counters: { total: 6, PROCESSED: 2, FAILED: 4 } });
    const tasks = await tasksOf(jobId);
    expect(tasks.map((t) => [t.meta.index, t.status, t.error])).toEqual([
      [0, 'PROCESSED', null],
      [1, 'FAILED', invalid('$[1]: field "person_id" must be a UUID, got "bad"', ['person_id', 'bad', 'uuid'])],
      [2, 'FAILED', pairTaken('$[2]')],
      [3, 'FAILED', pairTaken('$[3]')],
      [4, 'PROCESSED', null],
      [5, 'FAILED', invalid('$[5]: field "person_id" must be a UUID, got 5', ['person_id', '5', 'uuid'])],
    ]);
    expect(tasks.map((t) => JSON.parse(t.input) as unknown)).toEqual(items);
    expect(await personOf(p1)).toEqual({ first_name: 'Jo', last_name: null, birth_date: null });
    expect(await personOf(m1)).toEqual({ first_name: null, last_name: null, birth_date: '1950-05-05' });
    expect(await personOf(known)).toEqual({ first_name: 'Old', last_name: 'Keep', birth_date: null });
    expect(tasks[4]!.meta).toEqual({ index: 4, databaseId: expect.any(String), personDifferences: [{ personId: known, field: 'person_first_name', uploaded: 'New' }] });
    expect(tasks[0]!.meta).toEqual({ index: 0, databaseId: expect.any(String) });
    const [row] = await sql<{ person_id: string }>('select person_id from manual_merge_candidates where id = ?', [tasks[4]!.meta.databaseId]);
    expect(row).toEqual({ person_id: known });

    const report = await (await api.app.request(`/v1/jobs/${jobId}/errors.csv`, { headers: writer.headers })).text();
    expect(report.split('\r\n').slice(0, 2)).toEqual(['csv_data_line,error_code,error_message', csvLine(['', 'VALIDATION_ERROR', '$[1]: field "person_id" must be a UUID, got "bad"'])]);
  });

  it('never changes a stored person: the task of a record giving other details lists each difference in its meta', async () => {
    const [person, master, fresh] = [randomUUID(), randomUUID(), randomUUID()];
    await sql('insert into persons (id, first_name, last_name, birth_date) values (?, ?, ?, ?), (?, null, ?, ?)',
      [person, 'Olena', 'Shevchenko', '1980-04-01', master, 'Koval', '1955-12-31']);
    const before = await sql('select id, first_name, last_name, birth_date::text, updated_at from persons where id in (?, ?)', [person, master]);
    const records = [
      // Same first name, another last name and birth date; the master gets a first name it has none of.
      `${randomUUID()},${person},${master},Olena,Petrenko,1980-04-02,Ivan,Koval,`,
      // Details as stored (or not given): nothing to report.
      `${randomUUID()},${master},${person},,Koval,1955-12-31,Olena,,`,
      // A person new to this upload: the first record naming it creates it, the next one differs.
      `${randomUUID()},${fresh},${master},Anna,,,,,`,
      `${randomUUID()},${person},${fresh},,,,Hanna,,2001-01-01`,
    ];
    const jobId = await accepted(await post(`${header}\n${records.join('\n')}\n`));
    expect((await finished(jobId)).counters).toMatchObject({ total: 4, PROCESSED: 4 });

    expect(await sql('select id, first_name, last_name, birth_date::text, updated_at from persons where id in (?, ?)', [person, master])).toEqual(before);
    expect(await personOf(fresh)).toEqual({ first_name: 'Anna', last_name: null, birth_date: '2001-01-01' });
    const metas = (await tasksOf(jobId)).map((t) => t.meta);
    expect(metas).toEqual([
      { csvDataLine: 2, databaseId: expect.any(String), personDifferences: [
        { personId: person, field: 'person_last_name', uploaded: 'Petrenko' },
        { personId: person, field: 'person_birth_date', uploaded: '1980-04-02' },
        { personId: master, field: 'master_first_name', uploaded: 'Ivan' },
      ] },
      { csvDataLine: 3, databaseId: expect.any(String) },
      { csvDataLine: 4, databaseId: expect.any(String) },
      { csvDataLine: 5, databaseId: expect.any(String), personDifferences: [{ personId: fresh, field: 'master_first_name', uploaded: 'Hanna' }] },
    ]);

    // What the uploader reads: the job's tasks in GraphQL.
    const { body } = await api.graphql<{ node: { tasks: { nodes: { meta: Record<string, unknown> }[] } } }>({
      query: 'query ($id: ID!) { node(id: $id) { ... on GenericJob { tasks(first: 1) { nodes { meta } } } } }',
      variables: { id: toGlobalId('GenericJob', jobId) }, token: writer.token,
    });
    expect(body.data?.node.tasks.nodes[0]?.meta).toEqual(metas[0]);
  });

  it('lets exactly one of two records of a pair in different chunks in, without an exception', async () => {
    const master = randomUUID();
    const lines = Array.from({ length: 1500 }, () => `${randomUUID()},${randomUUID()},${master},,,,,,`);
    lines.push(lines[0]!);
    const jobId = await accepted(await post([header, ...lines].join('\n')));
    const job = await finished(jobId);
    expect(job.counters).toMatchObject({ total: 1501, PROCESSED: 1500, FAILED: 1, RESCUED: 0 });
    const [failed] = await sql<TaskRow>(`select seq, meta, error from tasks where job_id = ? and status = 'FAILED'`, [jobId]);
    expect([1, 1501]).toContain(failed!.seq);
    expect(failed!.error).toEqual(pairTaken(`Line ${failed!.seq + 1}`));
    const [count] = await sql<{ n: string }>('select count(*) as n from manual_merge_candidates where master_person_id = ?', [master]);
    expect(Number(count!.n)).toBe(1500);
  });
});

// Problem `type` and `title` by status: the contract clients switch on (apps/api/src/platform/error-tables.ts).
const problemKinds: Record<number, [string, string]> = {
  400: ['/problems/bad-request', 'Bad Request'],
  401: ['/problems/unauthenticated', 'Unauthorized'],
  403: ['/problems/forbidden', 'Forbidden'],
  413: ['/problems/payload-too-large', 'Content Too Large'],
  415: ['about:blank', 'Unsupported Media Type'],
  422: ['/problems/unprocessable-entity', 'Unprocessable Content'],
};

async function stored(target = api) {
  const [counts] = await sql<{ jobs: string; tasks: string }>('select (select count(*) from jobs) as jobs, (select count(*) from tasks) as tasks', [], target);
  return { jobs: Number(counts!.jobs), tasks: Number(counts!.tasks) };
}

async function expectRefused(send: () => Response | Promise<Response>, status: number, detail: string, extra: Record<string, unknown> = {}, target = api): Promise<void> {
  const before = await stored(target);
  const response = await send();
  expect(response.headers.get('content-type')).toBe('application/problem+json');
  const [type, title] = problemKinds[status]!;
  expect({ status: response.status, body: await response.json() }).toEqual({ status, body: { type, title, status, detail, requestId: expect.any(String), ...extra } });
  expect(await stored(target)).toEqual(before);
}

describe('POST /v1/merge-candidates refusals', () => {
  const csv = `${header}\n${randomUUID()},${randomUUID()},${randomUUID()},,,,,,\n`;

  it('checks the token, then the scope, then the client type', async () => {
    await expectRefused(() => post(csv, { caller: null, type: 'text/plain' }), 401, messages.invalidToken);
    const missing = { missingAllowances: [writeScope] };
    const [otherScope, misNoScope, mis] = await Promise.all([
      api.caller({ scopes: ['merge_request:write'] }), api.caller({ clientType: 'MIS' }), api.caller({ scopes: [writeScope], clientType: 'MIS' }),
    ]);
    await expectRefused(() => post(csv, { caller: otherScope }), 403, messages.missingScope([writeScope]), missing);
    await expectRefused(() => post(csv, { caller: misNoScope }), 403, messages.missingScope([writeScope]), missing);
    await expectRefused(() => post(csv, { caller: mis, type: 'text/plain' }), 403, messages.clientTypeForbidden);
  });

  it('is 415 for a body that is neither text/csv nor application/json', async () => {
    const detail = 'Send the merge candidates as text/csv or as an application/json array';
    for (const type of ['text/plain', 'multipart/form-data; boundary=x', null]) await expectRefused(() => post(csv, { type }), 415, detail);
  });

  it('is 422 naming the columns of a bad CSV header, and for a file with no data line', async () => {
    const row = `${randomUUID()},${randomUUID()},${randomUUID()}`;
    const cases: [string, string][] = [
      [`merge_candidate_id,person_id\n${row}`, 'Line 1: the header row lacks the mandatory columns master_person_id'],
      [`merge_candidate_id,person_id,master_person_id,personFirstName\n${row},x`, 'Line 1: the header row has unknown columns "personFirstName"'],
      [`merge_candidate_id,person_id,master_person_id,person_id\n${row},x`, 'Line 1: the header row repeats the columns person_id'],
      [`${header}\r\n\r\n`, 'The file has a header row but no data line'],
      ['', 'The file is empty: it needs a header row and at least one data line'],
    ];
    for (const [body, detail] of cases) await expectRefused(() => post(body), 422, detail, { inputErrors: [{ path: '$.body', message: detail }] });
    await expectRefused(() => post(null), 422, 'The request has no body: send the CSV file');
  });

  it('is 422 for a JSON body that is not an array of 1 to 100,000 objects with candidate fields, 400 for one that is not JSON', async () => {
    const refused = (path: string, message: string) => ({ inputErrors: [{ path, message }] });
    await expectRefused(() => postJson({ person_id: randomUUID() }), 422, 'Validation failed', refused('$', 'must be a JSON array of merge candidates'));
    await expectRefused(() => post('', { type: 'application/json' }), 422, 'Validation failed', refused('$', 'must be a JSON array of merge candidates'));
    await expectRefused(() => postJson([]), 422, 'Validation failed', refused('$', 'must hold at least one merge candidate'));
    await expectRefused(() => postJson(Array.from({ length: 100_001 }, () => ({}))), 422, 'Validation failed', refused('$', 'must hold at most 100000 merge candidates, not 100001'));
    await expectRefused(() => postJson([{ personId: randomUUID() }, 'x']), 422, 'Validation failed', {
      inputErrors: [{ path: '$[0].personId', message: 'is not a merge candidate field' }, { path: '$[1]', message: 'must be a JSON object' }],
    });
    await expectRefused(() => post('[{', { type: 'application/json' }), 400, 'The request body is not valid JSON');
  });

  it('is 413 past IMPORT_MAX_BYTES, for a CSV and for JSON', async () => {
    const caller = await small.caller({ scopes: [writeScope] });
    const row = `${randomUUID()},${randomUUID()},${randomUUID()}`;
    await accepted(await post(`merge_candidate_id,person_id,master_person_id\n${row}\n`, { target: small, caller }));
    const big = `merge_candidate_id,person_id,master_person_id\n${row}\n${row}\n`;
    await expectRefused(() => post(big, { target: small, caller }), 413, 'The file is larger than the limit of 200 bytes', {}, small);
    const items = [0, 1].map(() => ({ merge_candidate_id: randomUUID(), person_id: randomUUID(), master_person_id: randomUUID() }));
    await expectRefused(() => postJson(items, { target: small, caller }), 413, 'The JSON body is larger than the limit of 200 bytes', {}, small);
  });
});
