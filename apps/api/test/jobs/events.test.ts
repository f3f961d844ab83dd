/**
 * `GET /v1/jobs/{id}/events` (issue 12): snapshots as Server-Sent Events until the job ends, resumed
 * by Last-Event-ID, refused like `GET /v1/jobs/{id}` before any stream starts, and one Postgres read
 * per job per interval however many watch it. The hub's clock is driven by the test (`clock.tick()`
 * runs every poll that is due), so counting its reads needs no timing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cancelJob, createJob } from '@jabba/domain/engine';
import { messages } from '@jabba/domain/identity';
import { waitFor } from '#test/wait-for';
import { createTestApi, type Caller, type TestApi } from '../support';
import type { Schedule } from '../../src/platform/poll-hub';

interface ManualClock {
  schedule: Schedule;
  /** Runs every poll scheduled so far. */
  tick(): void;
  pending(): number;
}

function manualClock(): ManualClock {
  const due = new Set<() => void>();
  return {
    schedule: (run) => {
      const once = () => {
        due.delete(once);
        run();
      };
      due.add(once);
      return () => void due.delete(once);
    },
    tick: () => [...due].forEach((run) => run()),
    pending: () => due.size,
  };
}

interface SseEvent {
  id?: string;
  event?: string;
  data?: unknown;
  comment?: string;
}

/** Reads a stream as it arrives: its events so far, and whether the server closed it. */
function watch(response: Response) {
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let text = '';
  let closed = false;
  void (async () => {
    for (;;) {
      const { done, value } = await reader.read().catch(() => ({ done: true, value: undefined }));
      if (done) break;
      text += value;
    }
    closed = true;
  })();
  // Complete events only: the last piece is empty, or an event still arriving.
  const events = (): SseEvent[] => text.split('\n\n').slice(0, -1).map((block) => {
    const event: SseEvent = {};
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) event.comment = line.slice(1).trim();
      const [, field, value] = /^(id|event|data): (.*)$/.exec(line) ?? [];
      if (field === 'data') event.data = JSON.parse(value!);
      else if (field === 'id' || field === 'event') event[field] = value!;
    }
    return event;
  });
  return { events, closed: () => closed, text: () => text, cancel: () => reader.cancel() };
}

describe('job events', () => {
  let api: TestApi;
  const clock = manualClock();
  let owner: Caller;

  const newJob = async (clientId = owner.client.id) =>
    (await createJob(api.em(), { type: 'test_generic', strategy: 'CONCURRENT', clientId, tasks: [{ meta: {} }, { meta: {} }] })).job.id;
  const open = (jobId: string, headers: Record<string, string> = owner.headers) => api.app.request(`/v1/jobs/${jobId}/events`, { headers });
  /** What a worker's chunk would do to one task: the task and the job's counters move together. */
  async function processOneTask(jobId: string): Promise<void> {
    await api.em().execute(`update tasks set status = 'PROCESSED' where id = (select id from tasks where job_id = ? and status = 'PENDING' limit 1)`, [jobId]);
    await api.em().execute(`update jobs set tasks_pending = tasks_pending - 1, tasks_processed = tasks_processed + 1, updated_at = now() where id = ?`, [jobId]);
  }
  /** One poll of every watched job, and its reads counted. */
  async function poll(): Promise<void> {
    const before = api.deps.jobEvents.stats().reads;
    const due = clock.pending();
    clock.tick();
    await waitFor(() => api.deps.jobEvents.stats().reads >= before + due, { what: 'the hub to read' });
  }

  beforeAll(async () => {
    api = await createTestApi({ schedule: clock.schedule, env: { SSE_MAX_STREAMS: '30' } });
    owner = await api.caller();
  });
  afterAll(() => api.close());

  it('streams the job as GET /v1/jobs/{id} shows it, then one end event with the final snapshot, and closes', async () => {
    const jobId = await newJob();
    const response = await open(jobId);
    expect(response.status).toBe(200);
    expect(response.headers.get('Content-Type')).toBe('text/event-stream; charset=utf-8');
    expect(response.headers.get('Cache-Control')).toBe('no-store');
    expect(response.headers.get('X-Accel-Buffering')).toBe('no');
    const stream = watch(response);
    await waitFor(() => stream.events().length === 1, { what: 'the first snapshot' });
    const rest = await (await api.app.request(`/v1/jobs/${jobId}`, { headers: owner.headers })).json();
    expect(stream.events()).toEqual([{ id: expect.stringMatching(/^[0-9a-f]{16}$/), event: 'progress', data: rest }]);

    await poll();
    expect(stream.events()).toHaveLength(1);
    await cancelJob(api.em(), jobId);
    await poll();
    await waitFor(() => stream.closed(), { what: 'the server to close the stream' });
    const [, end] = stream.events();
    expect(end).toMatchObject({ event: 'end', data: { databaseId: jobId, status: 'FAILED', progress: { total: 2, aborted: 2 } } });
    expect(end!.id).not.toBe(stream.events()[0]!.id);
    expect(api.deps.jobEvents.stats()).toMatchObject({ keys: 0, watchers: 0 });
  });

  it('resumes from Last-Event-ID: nothing until the job differs, and an ended job’s end at once', async () => {
    const jobId = await newJob();
    const first = watch(await open(jobId));
    await waitFor(() => first.events().length === 1, { what: 'the first snapshot' });
    const seen = first.events()[0]!.id!;
    await first.cancel();

    const resumed = watch(await open(jobId, { ...owner.headers, 'Last-Event-ID': seen }));
    await poll();
    await poll();
    expect(resumed.text()).toBe('');
    await processOneTask(jobId);
    await poll();
    await waitFor(() => resumed.events().length === 1, { what: 'the changed snapshot' });
    expect(resumed.events()[0]).toMatchObject({ event: 'progress', data: { progress: { processed: 1 } } });
    const last = resumed.events()[0]!.id!;
    await resumed.cancel();

    await cancelJob(api.em(), jobId);
    const ended = watch(await open(jobId, { ...owner.headers, 'Last-Event-ID': last }));
    await waitFor(() => ended.closed(), { what: 'the stream of an ended job to close' });
    expect(ended.events()).toEqual([expect.objectContaining({ event: 'end', data: expect.objectContaining({ status: 'FAILED' }) })]);
    const again = watch(await open(jobId, { ...owner.headers, 'Last-Event-ID': ended.events()[0]!.id! }));
    await waitFor(() => again.closed(), { what: 'the stream to close' });
    expect(again.events().map((e) => e.event)).toEqual(['end']);
  });

  it('refuses before any stream starts: 401 without a token, 404 for another client’s job or none', async () => {
    const jobId = await newJob();
    const stranger = await api.caller();
    const anonymous = await api.app.request(`/v1/jobs/${jobId}/events`);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ status: 401, detail: messages.invalidToken });
    for (const [id, headers] of [[jobId, stranger.headers], ['00000000-0000-4000-8000-000000000000', owner.headers]] as const) {
      const response = await open(id, headers);
      expect(response.status).toBe(404);
      expect(response.headers.get('Content-Type')).toBe('application/problem+json');
      expect(await response.json()).toMatchObject({ status: 404, detail: `Job ${id} not found` });
    }
    expect(api.deps.jobEvents.stats().watchers).toBe(0);
  });

  it('reads each job once per interval however many watch it, and stops when the last leaves', async () => {
    const [busy, quiet] = [await newJob(), await newJob()];
    const streams: ReturnType<typeof watch>[] = [];
    for (let i = 0; i < 25; i += 1) streams.push(watch(await open(busy)));
    streams.push(watch(await open(quiet)));
    expect(api.deps.jobEvents.stats()).toMatchObject({ keys: 2, watchers: 26 });
    expect(clock.pending()).toBe(2);
    const before = api.deps.jobEvents.stats().reads;
    for (let i = 0; i < 3; i += 1) await poll();
    expect(api.deps.jobEvents.stats().reads - before).toBe(6);

    // A change reaches every watcher from that one read.
    await processOneTask(busy);
    await poll();
    await waitFor(() => streams.slice(0, 25).every((s) => s.events().length === 2), { what: 'every watcher to get the change' });

    await Promise.all(streams.map((s) => s.cancel()));
    expect(api.deps.jobEvents.stats()).toMatchObject({ keys: 0, watchers: 0 });
    expect(clock.pending()).toBe(0);
  });

  it('refuses a stream over SSE_MAX_STREAMS with 503 busy and Retry-After', async () => {
    const jobId = await newJob();
    const streams: ReturnType<typeof watch>[] = [];
    for (let i = 0; i < 30; i += 1) streams.push(watch(await open(jobId)));
    const refused = await open(jobId);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('Retry-After')).toBe('5');
    expect(await refused.json()).toMatchObject({ status: 503, detail: 'This api process serves 30 event streams already; try again in 5 seconds' });
    await Promise.all(streams.map((s) => s.cancel()));
  });
});

describe('job events, bounded in time', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await createTestApi({ env: { SSE_MAX_STREAM_S: '1' } });
  });
  afterAll(() => api.close());

  it('closes a stream at SSE_MAX_STREAM_S, and every stream when the hub closes (shutdown), refusing new ones', async () => {
    const caller = await api.caller();
    const jobId = (await createJob(api.em(), { type: 'test_generic', strategy: 'CONCURRENT', clientId: caller.client.id, tasks: [{ meta: {} }] })).job.id;
    const started = Date.now();
    const timed = watch(await api.app.request(`/v1/jobs/${jobId}/events`, { headers: caller.headers }));
    await waitFor(() => timed.closed(), { what: 'the stream to reach its maximum duration' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(timed.events().map((e) => e.event)).toEqual(['progress']);

    const open = watch(await api.app.request(`/v1/jobs/${jobId}/events`, { headers: caller.headers }));
    await waitFor(() => open.events().length === 1, { what: 'the first snapshot' });
    api.deps.jobEvents.close();
    await waitFor(() => open.closed(), { what: 'shutdown to close the stream' });
    const refused = await api.app.request(`/v1/jobs/${jobId}/events`, { headers: caller.headers });
    expect(refused.status).toBe(503);
    expect(await refused.json()).toMatchObject({ detail: 'This api process is shutting down; try again in 5 seconds' });
  });
});
