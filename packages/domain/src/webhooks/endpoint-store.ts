/**
 * A client's webhook endpoints: register, list, delete, rotate the secret. Every read and write
 * names the owning client, so another client's endpoint is simply not found. The cap on endpoints
 * per client is checked under the client's row lock, so two registrations racing cannot both pass it.
 */
import { randomBytes } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { inTransaction, isoMicros, type IsoTimestamp, type Raw, sqlOf } from '../platform';
import { maxEndpointsPerClient, secretOverlapMs, tooManyEndpoints, webhookNotFound, type WebhookEventType } from './rules';

export interface EndpointRow {
  id: string;
  clientId: string;
  url: string;
  events: WebhookEventType[];
  disabledAt: IsoTimestamp | null;
  disabledReason: string | null;
  insertedAt: IsoTimestamp;
  updatedAt: IsoTimestamp;
}

/** An endpoint with the secret it signs with, answered only by registration and rotation. */
export interface EndpointWithSecret extends EndpointRow {
  secret: string;
  /** Until when the replaced secret also signs (rotation only). */
  previousSecretUntil: IsoTimestamp | null;
}

const endpointColumns = `e.id, e.client_id, e.url, e.events, ${isoMicros('e.disabled_at')} as disabled_at, e.disabled_reason,
  ${isoMicros('e.inserted_at')} as inserted_at, ${isoMicros('e.updated_at')} as updated_at`;

const toEndpoint = (r: Raw): EndpointRow => ({
  id: r.id as string,
  clientId: r.client_id as string,
  url: r.url as string,
  events: r.events as WebhookEventType[],
  disabledAt: r.disabled_at as string | null,
  disabledReason: r.disabled_reason as string | null,
  insertedAt: r.inserted_at as string,
  updatedAt: r.updated_at as string,
});

const withSecret = (r: Raw): EndpointWithSecret => ({
  ...toEndpoint(r),
  secret: r.secret as string,
  previousSecretUntil: r.previous_secret_until as string | null,
});

/** A Standard Webhooks secret: `whsec_` and base64 of 24 random bytes (192 bits). */
export const newWebhookSecret = (): string => `whsec_${randomBytes(24).toString('base64')}`;

export async function createEndpoint(em: EntityManager, e: { clientId: string; url: string; events: readonly WebhookEventType[] }): Promise<EndpointWithSecret> {
  return inTransaction(em, async ({ sql }) => {
    await sql.query('select 1 from clients where id = $1 for update', [e.clientId]);
    const [count] = await sql.query<{ n: number }>('select count(*)::int as n from webhook_endpoints where client_id = $1', [e.clientId]);
    if ((count?.n ?? 0) >= maxEndpointsPerClient) throw tooManyEndpoints();
    const [row] = await sql.query<Raw>(
      `insert into webhook_endpoints as e (client_id, url, events, secret) values ($1, $2, $3, $4)
       returning ${endpointColumns}, e.secret, null as previous_secret_until`,
      [e.clientId, e.url, [...new Set(e.events)], newWebhookSecret()],
    );
    return withSecret(row!);
  });
}

/** The client's endpoints, oldest first: at most `maxEndpointsPerClient`, so one page holds them all. */
export async function listEndpoints(em: EntityManager, clientId: string): Promise<EndpointRow[]> {
  const rows = await sqlOf(em).query<Raw>(
    `select ${endpointColumns} from webhook_endpoints e where e.client_id = $1 order by e.inserted_at, e.id`,
    [clientId],
  );
  return rows.map(toEndpoint);
}

/** The client's endpoint `id`, or webhook-not-found (also for another client's). */
export async function findEndpoint(em: EntityManager, clientId: string, id: string): Promise<EndpointRow> {
  const [row] = await sqlOf(em).query<Raw>(`select ${endpointColumns} from webhook_endpoints e where e.id = $1 and e.client_id = $2`, [id, clientId]);
  if (!row) throw webhookNotFound(id);
  return toEndpoint(row);
}

/** Deletes the endpoint with its deliveries (cascade); deliveries still queued then find nothing to send. */
export async function deleteEndpoint(em: EntityManager, clientId: string, id: string): Promise<void> {
  const rows = await sqlOf(em).query('delete from webhook_endpoints where id = $1 and client_id = $2 returning id', [id, clientId]);
  if (rows.length === 0) throw webhookNotFound(id);
}

/**
 * A new secret; the replaced one keeps signing for `secretOverlapMs` (deliveries carry both
 * signatures meanwhile). A second rotation inside the overlap drops the oldest secret at once.
 */
export async function rotateSecret(em: EntityManager, clientId: string, id: string, now: Date): Promise<EndpointWithSecret> {
  const [row] = await sqlOf(em).query<Raw>(
    `update webhook_endpoints e set previous_secret = e.secret, previous_secret_until = $3, secret = $4, updated_at = $5
     where e.id = $1 and e.client_id = $2
     returning ${endpointColumns}, e.secret, ${isoMicros('e.previous_secret_until')} as previous_secret_until`,
    [id, clientId, new Date(now.getTime() + secretOverlapMs), newWebhookSecret(), now],
  );
  if (!row) throw webhookNotFound(id);
  return withSecret(row);
}
