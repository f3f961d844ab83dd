import { randomUUID } from 'node:crypto';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJob, type Executor, findJob, type Outcome, runChunk, type StoredTask, taskErrors, type TaskInput } from '@jabba/domain/engine';
import { deviceRegistryJob } from '@jabba/domain/device-registry';
import { createLogger } from '@jabba/domain/platform';
import { toGlobalId } from '../../src/platform/global-ids';
import { isoMicros } from '../expect';
import { createTestApi, type Caller, type TestApi } from '../support';

const logger = createLogger('silent', 'test');
const readScope = 'device_registry_job:read';
const writeScope = 'device_registry:write';
const csvHeader = 'classification_type,manufacturer_name,model_number,note';
const jobMeta = { registerType: 'MEDICAL_DEVICE', reasonDescription: 'Quarterly update', csvHeader };

const processed: Outcome = { status: 'PROCESSED', result: null, error: null, meta: { databaseId: randomUUID() } };
const failed = (message: string): Outcome => ({ status: 'FAILED', result: null, error: { message, extensions: { code: 'VALIDATION_ERROR' } }, meta: null });
const rescued = (message: string): Outcome => ({ status: 'RESCUED', result: null, error: { message, extensions: { code: 'INTERNAL_ERROR' } }, meta: null });

// Raw records as an upload gives them: quoted commas, an embedded CRLF (the record spans file
// lines 4–5, so the next record starts on line 6) and doubled quotes.
const records: { line: number; input: string; outcome: Outcome }[] = [
  { line: 2, input: 'MED,Acme,M-1,plain', outcome: processed },
  { line: 3, input: 'MED,"Acme, Inc.",M-2,"a, b"', outcome: failed('Line 3, column "model_number": is invalid, try again') },
  { line: 4, input: 'MED,Acme,M-3,"first line\r\nsecond line"', outcome: rescued('connection reset\nby peer') },
  { line: 6, input: 'MED,"The ""Best"" Co",M-4,', outcome: failed('plain message') },
  { line: 7, input: 'MED,Acme,M-5,ok', outcome: processed },
];

interface JobFixture {
  clientId: string;
  type?: string;
  meta?: Record<string, unknown> | null;
  tasks: TaskInput[];
  chunkSize?: number;
  /** Runs every chunk with this verdict per task; omitted: the tasks stay PENDING. */
  decide?: (task: StoredTask) => Outcome;
}

describe('REST /v1/jobs', () => {
  let api: TestApi;
  let owner: Caller;
  let stranger: Caller;
  let jobId: string;

  async function makeJob({ clientId, type = deviceRegistryJob.type, meta = jobMeta, tasks, chunkSize, decide }: JobFixture): Promise<string> {
    const { job, chunks } = await createJob(api.em(), { type, strategy: 'CONCURRENT', meta, clientId, tasks, ...(chunkSize ? { chunkSize } : {}) });
    if (decide) {
      const executor: Executor = async (claimed) => claimed.map(decide);
      for (const chunk of chunks) await runChunk(api.em(), chunk, executor, logger);
    }
    return job.id;
  }

  const registryJob = (clientId: string, run = true): Promise<string> =>
    makeJob({
      clientId,
      tasks: records.map((r) => ({ name: 'Create device definition', meta: { csvDataLine: r.line }, input: r.input })),
      ...(run ? { decide: (t: StoredTask) => records[t.seq - 1]!.outcome } : {}),
    });

  const get = (path: string, headers: Record<string, string> = owner.headers) => api.app.request(path, { headers });
  const post = (path: string, headers: Record<string, string> = owner.headers) => api.app.request(path, { method: 'POST', headers });
  const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

  async function expectProblem(response: Response, status: number, detail: string, extra: Record<string, unknown> = {}): Promise<void> {
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toEqual({ type: expect.any(String), title: expect.any(String), status, detail, requestId: expect.any(String), ...extra });
  }

  beforeAll(async () => {
    api = await createTestApi();
    owner = await api.caller({ scopes: [readScope, writeScope] });
    stranger = await api.caller({ scopes: [readScope, writeScope] });
    jobId = await registryJob(owner.client.id);
  });
  afterAll(() => api.close());

  describe('GET /v1/jobs/{id}', () => {
    it('answers the status, progress and raw counters, without the csv header, never cached', async () => {
      const response = await get(`/v1/jobs/${jobId}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      const row = (await findJob(api.em(), jobId))!;
      expect(await response.json()).toEqual({
        id: toGlobalId('DeviceRegistryJob', jobId),
        databaseId: jobId,
        type: deviceRegistryJob.type,
        name: null,
        status: 'FAILED',
        strategy: 'CONCURRENT',
        meta: { registerType: 'MEDICAL_DEVICE', reasonDescription: 'Quarterly update' },
        progress: { total: 5, pending: 0, processed: 2, failed: 3, aborted: 0 },
        tasks: { new: 0, pending: 0, consumed: 0, processed: 2, failed: 2, rescued: 1, aborted: 0 },
        startedAt: row.insertedAt,
        endedAt: row.endedAt,
        updatedAt: row.updatedAt,
        links: { self: `/v1/jobs/${jobId}`, errors: `/v1/jobs/${jobId}/errors.csv`, cancel: `/v1/jobs/${jobId}/cancel`, retryFailed: `/v1/jobs/${jobId}/retry-failed` },
      });
      for (const t of [row.insertedAt, row.endedAt, row.updatedAt]) expect(t).toMatch(isoMicros);
    });

    it('accepts the id in upper case', async () => {
      const response = await get(`/v1/jobs/${jobId.toUpperCase()}`);
      expect(response.status).toBe(200);
      expect(((await response.json()) as { databaseId: string }).databaseId).toBe(jobId);
    });

    it("is 404 for an unknown id, another client's job and a malformed id, on every route", async () => {
      const unknown = randomUUID();
      const cases: [string, Record<string, string>][] = [[unknown, owner.headers], [jobId, stranger.headers], ['not-a-uuid', owner.headers], ['1', owner.headers]];
      for (const [id, headers] of cases) {
        await expectProblem(await get(`/v1/jobs/${id}`, headers), 404, `Job ${id} not found`);
        await expectProblem(await get(`/v1/jobs/${id}/errors.csv`, headers), 404, `Job ${id} not found`);
        await expectProblem(await post(`/v1/jobs/${id}/cancel`, headers), 404, `Job ${id} not found`);
        await expectProblem(await post(`/v1/jobs/${id}/retry-failed`, headers), 404, `Job ${id} not found`);
      }
    });

    it('takes the Relay global id uploads answer with as well as the uuid, on every route', async () => {
      const globalId = toGlobalId('DeviceRegistryJob', jobId);
      const byUuid = (await (await get(`/v1/jobs/${jobId}`)).json()) as { id: string };
      expect(byUuid.id).toBe(globalId);
      const byGlobal = await get(`/v1/jobs/${encodeURIComponent(globalId)}`);
      expect(byGlobal.status).toBe(200);
      expect(await byGlobal.json()).toEqual(byUuid);
      const report = await get(`/v1/jobs/${encodeURIComponent(globalId)}/errors.csv`);
      expect(report.status).toBe(200);
      expect(await report.text()).toBe(await (await get(`/v1/jobs/${jobId}/errors.csv`)).text());
      // The write routes resolve it too: a running job to cancel, whose own global id is used.
      const running = await registryJob(owner.client.id, false);
      const cancelled = await post(`/v1/jobs/${encodeURIComponent(toGlobalId('DeviceRegistryJob', running))}/cancel`);
      expect(cancelled.status).toBe(200);
      expect(await cancelled.json()).toMatchObject({ databaseId: running, status: 'FAILED' });
      const events = await get(`/v1/jobs/${encodeURIComponent(toGlobalId('DeviceRegistryJob', running))}/events`);
      expect(events.status).toBe(200);
      await events.body?.cancel();
    });

    it("is 404 for a global id of another type, of the job under another view, or of another client's job", async () => {
      const cases: [string, Record<string, string>][] = [
        [toGlobalId('Destination', jobId), owner.headers],
        [toGlobalId('GenericJob', jobId), owner.headers],
        [toGlobalId('DeviceRegistryJob', randomUUID()), owner.headers],
        [toGlobalId('DeviceRegistryJob', jobId), stranger.headers],
      ];
      for (const [id, headers] of cases) {
        const path = `/v1/jobs/${encodeURIComponent(id)}`;
        await expectProblem(await get(path, headers), 404, `Job ${id} not found`);
        await expectProblem(await get(`${path}/errors.csv`, headers), 404, `Job ${id} not found`);
        await expectProblem(await post(`${path}/cancel`, headers), 404, `Job ${id} not found`);
        await expectProblem(await post(`${path}/retry-failed`, headers), 404, `Job ${id} not found`);
      }
    });

    it('is 401 without a valid token, before looking at the id', async () => {
      const expired = await api.token({ clientId: owner.client.id, scopes: [readScope], ttl: -60 });
      for (const headers of [{}, bearer('garbage'), bearer(expired)]) {
        await expectProblem(await get(`/v1/jobs/${jobId}`, headers), 401, 'Invalid access token');
        await expectProblem(await get('/v1/jobs/not-a-uuid', headers), 401, 'Invalid access token');
        await expectProblem(await post(`/v1/jobs/${jobId}/cancel`, headers), 401, 'Invalid access token');
      }
    });

    it('needs the read scope to read and the write scope to change a device registry job', async () => {
      const writer = bearer(await api.token({ clientId: owner.client.id, scopes: [writeScope] }));
      const reader = bearer(await api.token({ clientId: owner.client.id, scopes: [readScope] }));
      const missing = (scope: string) => `Your scope does not allow to access this resource. Missing allowances: ${scope}`;
      await expectProblem(await get(`/v1/jobs/${jobId}`, writer), 403, missing(readScope), { missingAllowances: [readScope] });
      await expectProblem(await get(`/v1/jobs/${jobId}/errors.csv`, writer), 403, missing(readScope), { missingAllowances: [readScope] });
      await expectProblem(await post(`/v1/jobs/${jobId}/cancel`, reader), 403, missing(writeScope), { missingAllowances: [writeScope] });
      await expectProblem(await post(`/v1/jobs/${jobId}/retry-failed`, reader), 403, missing(writeScope), { missingAllowances: [writeScope] });
    });

    it('refuses a client that is not active (409) or not NHS (403), in that order', async () => {
      const suspended = await api.caller({ scopes: [readScope, writeScope], clientStatus: 'SUSPENDED', clientType: 'MIS' });
      const mis = await api.caller({ scopes: [readScope, writeScope], clientType: 'MIS' });
      for (const caller of [suspended, mis]) {
        const id = await registryJob(caller.client.id, false);
        const [status, detail] = caller === suspended ? [409, 'client_id refers to legal entity that is not active'] : [403, "You don't have permission to access this resource"];
        await expectProblem(await get(`/v1/jobs/${id}`, caller.headers), status, detail);
        await expectProblem(await get(`/v1/jobs/${id}/errors.csv`, caller.headers), status, detail);
        await expectProblem(await post(`/v1/jobs/${id}/cancel`, caller.headers), status, detail);
        await expectProblem(await post(`/v1/jobs/${id}/retry-failed`, caller.headers), status, detail);
      }
    });
  });

  describe('GET /v1/jobs/{id}/errors.csv', () => {
    it('lists FAILED and RESCUED tasks in order: escaped messages, then the records verbatim', async () => {
      const response = await get(`/v1/jobs/${jobId}/errors.csv`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
      expect(response.headers.get('content-disposition')).toBe(`attachment; filename="${jobId}-errors.csv"`);
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(await response.text()).toBe(
        'csv_data_line,error_code,error_message,classification_type,manufacturer_name,model_number,note\r\n' +
          '3,VALIDATION_ERROR,"Line 3, column ""model_number"": is invalid, try again",MED,"Acme, Inc.",M-2,"a, b"\r\n' +
          '4,INTERNAL_ERROR,"connection reset\nby peer",MED,Acme,M-3,"first line\r\nsecond line"\r\n' +
          '6,VALIDATION_ERROR,plain message,MED,"The ""Best"" Co",M-4,\r\n',
      );
    });

    it('is the original upload minus its good lines once the first three columns are dropped', async () => {
      const rows = parse(await (await get(`/v1/jobs/${jobId}/errors.csv`)).text()) as string[][];
      const bad = records.filter((r) => r.outcome.status !== 'PROCESSED');
      const original = parse([csvHeader, ...bad.map((r) => r.input)].join('\r\n')) as string[][];
      expect(rows.map((r) => r.slice(3))).toEqual(original);
      expect(rows.map((r) => r.slice(0, 3))).toEqual([
        ['csv_data_line', 'error_code', 'error_message'],
        ...bad.map((r) => [String(r.line), r.outcome.error!.extensions.code, r.outcome.error!.message]),
      ]);
    });

    it('with ?records=true is the original upload minus its good lines as it is, header included: nothing to drop', async () => {
      const response = await get(`/v1/jobs/${jobId}/errors.csv?records=true`);
      expect(response.headers.get('content-disposition')).toBe(`attachment; filename="${jobId}-failed-records.csv"`);
      const bad = records.filter((r) => r.outcome.status !== 'PROCESSED');
      expect(await response.text()).toBe([csvHeader, ...bad.map((r) => r.input)].map((line) => `${line}\r\n`).join(''));
    });

    it('streams a report longer than one keyset batch, every task once and in order', async () => {
      const total = 3000;
      // 2,000 FAILED and 500 RESCUED interleaved with 500 PROCESSED: the two statuses merge on seq.
      const id = await makeJob({
        clientId: owner.client.id,
        meta: { ...jobMeta, csvHeader: 'a,b' },
        tasks: Array.from({ length: total }, (_, i) => ({ meta: { csvDataLine: i + 2 }, input: `v${i + 1},"x, ${i + 1}"` })),
        decide: (t) => (t.seq % 6 === 0 ? processed : t.seq % 6 === 3 ? rescued(`boom ${t.seq}`) : failed(`bad ${t.seq}`)),
      });
      const text = await (await get(`/v1/jobs/${id}/errors.csv`)).text();
      const lines = text.split('\r\n');
      expect(lines.shift()).toBe('csv_data_line,error_code,error_message,a,b');
      expect(lines.pop()).toBe('');
      const seqs = Array.from({ length: total }, (_, i) => i + 1).filter((s) => s % 6 !== 0);
      expect(seqs).toHaveLength(2500);
      expect(lines).toEqual(
        seqs.map((s) => (s % 6 === 3 ? `${s + 1},INTERNAL_ERROR,boom ${s},v${s},"x, ${s}"` : `${s + 1},VALIDATION_ERROR,bad ${s},v${s},"x, ${s}"`)),
      );
      // Batch edges inside a run of one status and across the merge give the same answer.
      const small: number[] = [];
      for await (const line of taskErrors(api.em(), id, 7)) small.push(line.seq);
      expect(small).toEqual(seqs);
    });

    it('neutralises every cell a spreadsheet would run as a formula; ?raw=true gives the records as uploaded', async () => {
      const input = 'MED,"=HYPERLINK(""http://evil.example/"",""x"")",-5,@SUM(A1)';
      const id = await makeJob({ clientId: owner.client.id, tasks: [{ input, meta: { csvDataLine: 2 } }], decide: () => failed('=1+1') });
      const safe = await (await get(`/v1/jobs/${id}/errors.csv`)).text();
      expect(safe.split('\r\n')[1]).toBe(`2,VALIDATION_ERROR,'=1+1,MED,"'=HYPERLINK(""http://evil.example/"",""x"")",'-5,'@SUM(A1)`);
      const raw = await (await get(`/v1/jobs/${id}/errors.csv?raw=true`)).text();
      expect(raw.split('\r\n')[1]).toBe(`2,VALIDATION_ERROR,=1+1,${input}`);
    });

    it('is the header alone for a job where nothing failed', async () => {
      const id = await makeJob({ clientId: owner.client.id, tasks: [{ input: 'MED,Acme,M-1,x', meta: { csvDataLine: 2 } }], decide: () => processed });
      expect(await (await get(`/v1/jobs/${id}/errors.csv`)).text()).toBe(`csv_data_line,error_code,error_message,${csvHeader}\r\n`);
    });
  });

  describe('POST /v1/jobs/{id}/cancel', () => {
    it('aborts the tasks not run, ends the job FAILED, and refuses a second cancel', async () => {
      const id = await registryJob(owner.client.id, false);
      const response = await post(`/v1/jobs/${id}/cancel`);
      expect(response.status).toBe(200);
      const body = (await response.json()) as Record<string, unknown>;
      expect(body).toMatchObject({
        id: toGlobalId('DeviceRegistryJob', id),
        status: 'FAILED',
        progress: { total: 5, pending: 0, processed: 0, failed: 0, aborted: 5 },
        tasks: { new: 0, pending: 0, consumed: 0, processed: 0, failed: 0, rescued: 0, aborted: 5 },
        endedAt: expect.stringMatching(isoMicros),
      });
      const statuses = await api.em().execute<{ status: string }[]>('select distinct status from tasks where job_id = ?', [id]);
      expect(statuses).toEqual([{ status: 'ABORTED' }]);
      await expectProblem(await post(`/v1/jobs/${id}/cancel`), 409, `Job ${id} has already ended`);
    });
  });

  describe('POST /v1/jobs/{id}/retry-failed', () => {
    it('puts failed tasks back on the queue (202), and refuses while the job runs', async () => {
      const id = await makeJob({
        clientId: owner.client.id,
        chunkSize: 2,
        tasks: records.map((r) => ({ meta: { csvDataLine: r.line }, input: r.input })),
        decide: (t) => records[t.seq - 1]!.outcome,
      });
      const response = await post(`/v1/jobs/${id}/retry-failed`);
      expect(response.status).toBe(202);
      expect(response.headers.get('location')).toBe(`/v1/jobs/${id}`);
      expect(await response.json()).toMatchObject({
        databaseId: id,
        status: 'PENDING',
        endedAt: null,
        progress: { total: 5, pending: 3, processed: 2, failed: 0, aborted: 0 },
        tasks: { new: 0, pending: 3, consumed: 0, processed: 2, failed: 0, rescued: 0, aborted: 0 },
      });
      const retried = await api.em().execute<{ seq: number }[]>(`select seq from tasks where job_id = ? and status = 'PENDING' order by seq`, [id]);
      expect(retried.map((r) => r.seq)).toEqual([2, 3, 4]);
      // Seqs 2, 3 and 4 lie in the chunks 1–2 and 3–4 of size 2, queued under the new epoch.
      const queued = (await api.deps.tasksQueue.getJobs(['waiting'])).map((j) => j.data as Record<string, unknown>).filter((d) => d.jobId === id);
      expect(queued.sort((a, b) => Number(a.fromSeq) - Number(b.fromSeq))).toEqual([
        { jobId: id, epoch: 1, fromSeq: 1, toSeq: 2 },
        { jobId: id, epoch: 1, fromSeq: 3, toSeq: 4 },
      ]);
      await expectProblem(await post(`/v1/jobs/${id}/retry-failed`), 409, `Job ${id} is still running`);
    });

    it('refuses a job without failed tasks', async () => {
      const id = await makeJob({ clientId: owner.client.id, tasks: [{ input: 'x' }], decide: () => processed });
      await expectProblem(await post(`/v1/jobs/${id}/retry-failed`), 409, `Job ${id} has no failed tasks`);
    });
  });

  describe('a job type without a typed view (GenericJob)', () => {
    it('is guarded by ownership alone, and its report has the three columns only', async () => {
      const plain = await api.caller({ clientType: 'MIS' });
      const id = await makeJob({
        clientId: plain.client.id,
        type: 'test_generic',
        meta: { source: 'script' },
        tasks: [{ input: 'payload 1' }, { meta: { csvDataLine: 9 }, input: 'payload, 2' }],
        decide: (t) => (t.seq === 1 ? processed : failed('no "good"')),
      });
      const response = await get(`/v1/jobs/${id}`, plain.headers);
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({
        id: toGlobalId('GenericJob', id),
        type: 'test_generic',
        meta: { source: 'script' },
        status: 'FAILED',
        progress: { total: 2, pending: 0, processed: 1, failed: 1, aborted: 0 },
      });
      const report = await get(`/v1/jobs/${id}/errors.csv`, plain.headers);
      expect(await report.text()).toBe('csv_data_line,error_code,error_message\r\n9,VALIDATION_ERROR,"no ""good"""\r\n');
      await expectProblem(await get(`/v1/jobs/${id}/errors.csv?records=true`, plain.headers), 422, `Job ${id} did not come from a CSV upload: it has no records to give`);
      await expectProblem(await get(`/v1/jobs/${id}`, owner.headers), 404, `Job ${id} not found`);
      const pendingId = await makeJob({ clientId: plain.client.id, type: 'test_generic', meta: null, tasks: [{ input: 'y' }] });
      const cancelled = await post(`/v1/jobs/${pendingId}/cancel`, plain.headers);
      expect(cancelled.status).toBe(200);
      expect(await cancelled.json()).toMatchObject({ id: toGlobalId('GenericJob', pendingId), status: 'FAILED', meta: null });
    });
  });
});
