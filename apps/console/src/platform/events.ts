/**
 * A job's live progress from `GET /v1/jobs/{id}/events` (Server-Sent Events). EventSource cannot
 * send a bearer token, so this reads the stream with fetch; eventsource-parser does the framing.
 * A dropped stream is resumed with `Last-Event-ID`, after a pause that grows to 10 s.
 */
import { createParser } from 'eventsource-parser';

/** The JSON of `GET /v1/jobs/{id}`. */
export interface JobSnapshot {
  id: string;
  databaseId: string;
  type: string;
  name: string | null;
  status: 'PENDING' | 'PROCESSED' | 'FAILED';
  meta: Record<string, unknown> | null;
  progress: { total: number; processed: number; failed: number; pending: number; aborted: number };
  tasks: { new: number; pending: number; consumed: number; processed: number; failed: number; rescued: number; aborted: number };
  startedAt: string;
  endedAt: string | null;
  updatedAt: string;
  links: { self: string; errors: string; cancel: string; retryFailed: string };
}

export interface JobWatch {
  onSnapshot: (snapshot: JobSnapshot, ended: boolean) => void;
  onError: (status: number, message: string) => void;
}

/** Watches until the job ends, the api refuses (4xx), or `signal` aborts. */
export async function watchJob(jobId: string, token: string, watch: JobWatch, signal: AbortSignal): Promise<void> {
  let lastEventId: string | null = null;
  let pause = 500;
  while (!signal.aborted) {
    let ended = false;
    try {
      const headers: Record<string, string> = { authorization: `Bearer ${token}`, accept: 'text/event-stream' };
      if (lastEventId) headers['last-event-id'] = lastEventId;
      const response = await fetch(`/v1/jobs/${encodeURIComponent(jobId)}/events`, { headers, signal });
      if (response.status >= 400 && response.status < 500) {
        watch.onError(response.status, await response.text());
        return;
      }
      if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
      pause = 500;
      const parser = createParser({
        onEvent(event) {
          if (event.id) lastEventId = event.id;
          if (event.event !== 'progress' && event.event !== 'end') return;
          ended = event.event === 'end';
          watch.onSnapshot(JSON.parse(event.data) as JobSnapshot, ended);
        },
      });
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        parser.feed(value);
      }
      if (ended) return;
    } catch (error) {
      if (signal.aborted) return;
      void error;
    }
    await new Promise((resolve) => setTimeout(resolve, pause));
    pause = Math.min(pause * 2, 10_000);
  }
}
