/**
 * One attempt at one delivery, what the worker runs for each queue message: load it (nothing to do
 * once it is final or gone), sign it as Standard Webhooks specifies, POST it, and record the answer
 * in Postgres. Whether another attempt follows is decided here, from the attempts Postgres counted,
 * so a delivery re-published after a Redis loss still stops at the bound.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { Webhook } from 'standardwebhooks';
import { inTransaction } from '../platform';
import { disableEndpoint, failUnattempted, loadDeliveryToSend, recordAttempt } from './delivery-store';
import { postJson } from './http-post';
import { isLastAttempt, outcomeOf, signingSecrets } from './rules';

export interface DeliveryDeps {
  em: EntityManager;
  now: () => Date;
  /** WEBHOOK_TIMEOUT_MS: connect, send and answer, all together. */
  timeoutMs: number;
  /** WEBHOOK_ALLOW_PRIVATE. */
  allowPrivate: boolean;
  /** WEBHOOK_MAX_ATTEMPTS. */
  maxAttempts: number;
}

/**
 * - `delivered`: a 2xx; `retry`: no success yet, another attempt follows (the caller makes BullMQ
 *   wait its backoff); `failed`: that was the last attempt; `gone`: 410, the endpoint is disabled;
 * - `skipped`: the delivery was final already, or deleted with its endpoint (a duplicate message).
 */
export type DeliveryOutcome = 'delivered' | 'retry' | 'failed' | 'gone' | 'skipped';

export interface AttemptResult {
  outcome: DeliveryOutcome;
  /** What went wrong, for a retry's log line. */
  error: string | null;
}

/** The three Standard Webhooks headers; with a rotation's overlap, one signature per secret. */
export function signedHeaders(msgId: string, at: Date, body: string, secrets: readonly string[]): Record<string, string> {
  return {
    'webhook-id': msgId,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': secrets.map((secret) => new Webhook(secret).sign(msgId, at, body)).join(' '),
  };
}

/** Bounded, single-line: a receiver's body is theirs, and only its start helps to say what went wrong. */
const snippet = (text: string): string => text.replace(/\s+/g, ' ').trim().slice(0, 200);

export async function attemptDelivery(deps: DeliveryDeps, deliveryId: string): Promise<AttemptResult> {
  const found = await loadDeliveryToSend(deps.em, deliveryId);
  if (!found || found.delivery.status !== 'PENDING') return { outcome: 'skipped', error: null };
  if (found.disabled) {
    const error = 'the endpoint was disabled (it answered 410 Gone)';
    await inTransaction(deps.em, ({ sql }) => failUnattempted(sql, deliveryId, error, deps.now()));
    return { outcome: 'failed', error };
  }
  const { delivery } = found;
  const body = JSON.stringify(delivery.payload);
  const sentAt = deps.now();
  const headers = signedHeaders(delivery.eventId, sentAt, body, signingSecrets(found, sentAt));
  const answer = await postJson(found.url, body, headers, { timeoutMs: deps.timeoutMs, allowPrivate: deps.allowPrivate });
  const responseStatus = 'status' in answer ? answer.status : null;
  const verdict = outcomeOf(responseStatus);
  const error = 'error' in answer ? answer.error : verdict === 'delivered' ? null : `HTTP ${answer.status}${answer.body ? `: ${snippet(answer.body)}` : ''}`;
  const last = verdict !== 'retry' || isLastAttempt(delivery.attempts + 1, deps.maxAttempts);
  const outcome: DeliveryOutcome = verdict === 'retry' ? (last ? 'failed' : 'retry') : verdict;
  const at = deps.now();
  const recorded = await inTransaction(deps.em, async ({ sql }) => {
    const attempt = await recordAttempt(sql, deliveryId, {
      status: outcome === 'delivered' ? 'DELIVERED' : last ? 'FAILED' : 'PENDING', responseStatus, error, at,
    });
    if (attempt !== null && outcome === 'gone') await disableEndpoint(sql, delivery.endpointId, `answered 410 Gone at ${at.toISOString()}`, at);
    return attempt;
  });
  return recorded === null ? { outcome: 'skipped', error: null } : { outcome, error };
}
