/**
 * Webhooks (issue 13) as data plus pure decisions: which events exist, how an endpoint is bounded,
 * what an answer of the receiver means for the delivery, and when an attempt is the last. Time is a
 * parameter; nothing here does I/O.
 */
import { z } from 'zod';
import { DomainError } from '../platform/errors';

/** Every event a client may subscribe to; a fixed list, so an endpoint names nothing unknown. */
export const webhookEventTypes = ['job.ended'] as const;
export type WebhookEventType = (typeof webhookEventTypes)[number];

export const maxWebhookUrlLength = 2048;
/** Endpoints one client may register: each job end costs one delivery per endpoint. */
export const maxEndpointsPerClient = 20;
/**
 * How long a replaced secret keeps signing after a rotation: every delivery made meanwhile carries
 * a signature by the new secret and one by the old, so a receiver can switch at its own pace.
 */
export const secretOverlapMs = 24 * 60 * 60 * 1000;

export const deliveryStatuses = ['PENDING', 'DELIVERED', 'FAILED'] as const;
export type DeliveryStatus = (typeof deliveryStatuses)[number];

/** The body of every `job.ended` delivery; `jobId` is the job's uuid (`databaseId`), which `GET /v1/jobs/{id}` takes. */
export const jobEndedPayload = z.object({
  type: z.literal('job.ended'),
  jobId: z.uuid(),
  jobType: z.string(),
  status: z.enum(['PROCESSED', 'FAILED']),
  progress: z.object({
    total: z.number().int(),
    pending: z.number().int(),
    processed: z.number().int(),
    failed: z.number().int(),
    aborted: z.number().int(),
  }),
  endedAt: z.string(),
});
export type JobEndedPayload = z.infer<typeof jobEndedPayload>;

export const webhookNotFound = (id: string): DomainError => new DomainError('NOT_FOUND', `Webhook endpoint ${id} not found`);

export const tooManyEndpoints = (): DomainError =>
  new DomainError('CONFLICT', `A client may register at most ${maxEndpointsPerClient} webhook endpoints; delete one first`);

/** A refused URL: 422 naming the field and the reason, as a validation failure does. */
export const urlRefused = (reason: string): DomainError =>
  new DomainError('UNPROCESSABLE_ENTITY', 'Validation failed', { inputErrors: [{ path: '$.url', message: reason }] });

/** What one attempt's answer means: delivered, try again later, or stop for good (the endpoint is gone). */
export type AttemptOutcome = 'delivered' | 'retry' | 'gone';

/**
 * 2xx is delivered. 410 Gone is the receiver saying the endpoint no longer exists: the endpoint is
 * disabled and the delivery fails at once. Any other status, a timeout or a refused connection is
 * retried, since receivers answer 4xx for their own passing troubles too (a 429, a 404 mid-deploy).
 */
export function outcomeOf(status: number | null): AttemptOutcome {
  if (status !== null && status >= 200 && status < 300) return 'delivered';
  if (status === 410) return 'gone';
  return 'retry';
}

/** Whether the attempt numbered `attempt` (1-based) was the last one allowed. */
export const isLastAttempt = (attempt: number, maxAttempts: number): boolean => attempt >= maxAttempts;

/**
 * BullMQ's exponential backoff: attempt n+1 waits base·2^(n-1) after attempt n. With the defaults
 * (8 attempts, 10 minutes) the retries come after 10, 20, 40, 80, 160, 320 and 640 minutes: the last
 * one about 21 hours after the first.
 */
export const retryDelaysMs = (maxAttempts: number, baseMs: number): number[] =>
  Array.from({ length: Math.max(0, maxAttempts - 1) }, (_, i) => baseMs * 2 ** i);

/** Secrets signing a delivery at `now`: the current one, and the replaced one while its overlap lasts. */
export function signingSecrets(e: { secret: string; previousSecret: string | null; previousSecretUntil: Date | null }, now: Date): string[] {
  const overlapping = e.previousSecret !== null && e.previousSecretUntil !== null && now < e.previousSecretUntil;
  return overlapping ? [e.secret, e.previousSecret!] : [e.secret];
}

/** The webhook settings both apps read from their environment. */
export const webhookEnvFields = {
  /** Lets endpoints resolve to loopback, private or link-local addresses: tests and development only. */
  WEBHOOK_ALLOW_PRIVATE: z.enum(['true', 'false'], { error: 'must be true or false' }).default('false').transform((v) => v === 'true'),
};
