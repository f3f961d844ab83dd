/**
 * `GET /v1/jobs/{id}/events` as Server-Sent Events: the job's snapshot (the JSON of `GET
 * /v1/jobs/{id}`) whenever it changed, read through the process's one poller per job (the job
 * event hub), then an `end` event with the final snapshot once the job has ended.
 *
 * An event's id is the snapshot's version, a hash of what a poller sees change (status, ended_at,
 * updated_at, the task counters): the same in every api process, so a client reconnecting anywhere
 * with `Last-Event-ID` gets nothing until the job differs from what it last saw.
 */
import { createHash } from 'node:crypto';
import { findJob, type JobRow } from '@jabba/domain/engine';
import type { Orm, Logger } from '@jabba/domain/platform';
import { jobView } from './job-view';
import { pollHub, type PollHub, type Schedule, type Snapshot } from '../platform/poll-hub';

export type JobEventHub = PollHub<JobRow>;

/** At most one snapshot per job per this, per api process. */
export const jobEventIntervalMs = 500;
/** A comment line this often keeps proxies and load balancers from closing a quiet stream. */
export const keepAliveMs = 15_000;
export const eventsRetryAfterSeconds = 5;

export function jobVersion(job: JobRow): string {
  const c = job.counters;
  const state = [job.status, job.endedAt, job.updatedAt, c.total, c.NEW, c.PENDING, c.CONSUMED, c.PROCESSED, c.FAILED, c.RESCUED, c.ABORTED];
  return createHash('sha256').update(JSON.stringify(state)).digest('hex').slice(0, 16);
}

export const jobSnapshot = (job: JobRow): Snapshot<JobRow> => ({ version: jobVersion(job), value: job, final: job.status !== 'PENDING' });

export interface JobEventHubOptions {
  orm: Orm;
  logger: Logger;
  maxStreams: number;
  intervalMs?: number;
  schedule?: Schedule;
}

export function jobEventHub({ orm, logger, maxStreams, intervalMs = jobEventIntervalMs, schedule }: JobEventHubOptions): JobEventHub {
  return pollHub<JobRow>({
    name: 'job events',
    read: async (jobId) => {
      const job = await findJob(orm.em.fork(), jobId);
      return job && jobSnapshot(job);
    },
    intervalMs,
    maxWatchers: maxStreams,
    retryAfterSeconds: eventsRetryAfterSeconds,
    logger,
    ...(schedule ? { schedule } : {}),
  });
}

/** A Last-Event-ID worth comparing: anything else is ignored, as if none was sent. */
export const lastEventIdOf = (header: string | undefined): string | null =>
  header !== undefined && /^[0-9a-f]{16}$/.test(header) ? header : null;

export interface JobStreamOptions {
  /** The job as the request read it, its access already checked. */
  job: JobRow;
  lastEventId: string | null;
  /** When the stream ends whatever the job does (the client reconnects), epoch ms. */
  deadlineMs: number;
}

const encoder = new TextEncoder();

/**
 * The stream of one watcher. Throws BUSY (before anything is sent) when the hub is full. The
 * snapshots it sends only move forward: a read older than one already sent (two reads racing at
 * the start) is skipped.
 */
export function jobEventStream(hub: JobEventHub, { job, lastEventId, deadlineMs }: JobStreamOptions): ReadableStream<Uint8Array> {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let sentVersion = lastEventId;
  let sentAt: string | null = null;
  let lastWriteMs = Date.now();
  let done = false;
  let unwatch: (() => void) | null = null;

  const write = (text: string): void => {
    controller.enqueue(encoder.encode(text));
    lastWriteMs = Date.now();
  };
  const finish = (): void => {
    if (done) return;
    done = true;
    unwatch?.();
    controller.close();
  };
  const send = (snapshot: Snapshot<JobRow> | null): void => {
    if (done) return;
    // The job is gone (deleted): nothing more will come.
    if (snapshot === null) return finish();
    const { version, value, final } = snapshot;
    if (sentAt !== null && value.updatedAt < sentAt) return;
    if (!final && version === sentVersion) return;
    write(`id: ${version}\nevent: ${final ? 'end' : 'progress'}\ndata: ${JSON.stringify(jobView(value))}\n\n`);
    sentVersion = version;
    sentAt = value.updatedAt;
    if (final) finish();
  };

  // start() runs inside the constructor, so the controller is set before anything is sent.
  const stream = new ReadableStream<Uint8Array>({
    start: (c) => void (controller = c),
    // The client went away.
    cancel: () => {
      done = true;
      unwatch?.();
    },
  });
  send(jobSnapshot(job));
  if (done) return stream;
  unwatch = hub.watch(job.id, {
    next: send,
    tick: (now) => {
      if (done) return;
      if (now >= deadlineMs) return finish();
      if (now - lastWriteMs >= keepAliveMs) write(': keep-alive\n\n');
    },
    close: finish,
  });
  // The hub's latest read may have ended the stream before `unwatch` existed.
  if (done) unwatch();
  return stream;
}
