/**
 * Deliveries in Postgres, where their state lives (Redis only holds what is in flight): the list an
 * endpoint's owner reads, what an attempt needs to send, and what it leaves behind.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { creationOrder, isoMicros, type IsoTimestamp, keysetPage, type CreationKey, type Raw, type Sql, sqlOf } from '../platform';
import type { DeliveryStatus, WebhookEventType } from './rules';

export interface DeliveryRow {
  id: string;
  endpointId: string;
  eventId: string;
  eventType: WebhookEventType;
  payload: Record<string, unknown>;
  status: DeliveryStatus;
  attempts: number;
  lastError: string | null;
  lastResponseStatus: number | null;
  lastAttemptAt: IsoTimestamp | null;
  deliveredAt: IsoTimestamp | null;
  failedAt: IsoTimestamp | null;
  insertedAt: IsoTimestamp;
}

const deliveryColumns = `d.id, d.endpoint_id, d.event_id, d.event_type, d.payload, d.status, d.attempts, d.last_error,
  d.last_response_status, ${isoMicros('d.last_attempt_at')} as last_attempt_at, ${isoMicros('d.delivered_at')} as delivered_at,
  ${isoMicros('d.failed_at')} as failed_at, ${isoMicros('d.inserted_at')} as inserted_at`;

const toDelivery = (r: Raw): DeliveryRow => ({
  id: r.id as string,
  endpointId: r.endpoint_id as string,
  eventId: r.event_id as string,
  eventType: r.event_type as WebhookEventType,
  payload: r.payload as Record<string, unknown>,
  status: r.status as DeliveryStatus,
  attempts: r.attempts as number,
  lastError: r.last_error as string | null,
  lastResponseStatus: r.last_response_status as number | null,
  lastAttemptAt: r.last_attempt_at as string | null,
  deliveredAt: r.delivered_at as string | null,
  failedAt: r.failed_at as string | null,
  insertedAt: r.inserted_at as string,
});

export interface DeliveryPageQuery {
  endpointId: string;
  /** Exclusive bound, newest first. */
  after: CreationKey | null;
  /** Rows to read; callers ask for one more than they show. */
  limit: number;
}

/** An endpoint's deliveries, newest first, by keyset over webhook_deliveries_endpoint_idx. */
export async function pageDeliveries(em: EntityManager, q: DeliveryPageQuery): Promise<{ rows: DeliveryRow[]; existsBeforeAfter: boolean; existsAfterBefore: boolean }> {
  const page = await keysetPage<CreationKey>(em, {
    from: 'webhook_deliveries d',
    select: deliveryColumns,
    where: ['d.endpoint_id = $1'],
    params: [q.endpointId],
    ...creationOrder('d'),
    ascending: false,
    after: q.after,
    limit: q.limit,
    fromEnd: false,
  });
  return { ...page, rows: page.rows.map(toDelivery) };
}

/** What one attempt needs: the delivery and its endpoint's address and secrets. Null once gone. */
export interface DeliveryToSend {
  delivery: DeliveryRow;
  url: string;
  disabled: boolean;
  secret: string;
  previousSecret: string | null;
  previousSecretUntil: Date | null;
}

export async function loadDeliveryToSend(em: EntityManager, id: string): Promise<DeliveryToSend | null> {
  const [row] = await sqlOf(em).query<Raw>(
    `select ${deliveryColumns}, e.url, e.disabled_at is not null as disabled, e.secret, e.previous_secret, e.previous_secret_until
     from webhook_deliveries d join webhook_endpoints e on e.id = d.endpoint_id where d.id = $1`,
    [id],
  );
  if (!row) return null;
  return {
    delivery: toDelivery(row),
    url: row.url as string,
    disabled: row.disabled as boolean,
    secret: row.secret as string,
    previousSecret: row.previous_secret as string | null,
    // pg may hand timestamps over as text (the ORM's type parsers) or as Date: either way, a Date.
    previousSecretUntil: row.previous_secret_until === null ? null : new Date(row.previous_secret_until as string | Date),
  };
}

export interface AttemptRecord {
  /** What the delivery becomes: still PENDING (another attempt follows), DELIVERED or FAILED. */
  status: DeliveryStatus;
  responseStatus: number | null;
  error: string | null;
  at: Date;
}

/**
 * Counts one attempt and its answer. Only a PENDING delivery changes (`status = 'PENDING'`), so an
 * attempt that raced a relay's duplicate cannot count twice into a final delivery. The attempt number.
 */
export async function recordAttempt(sql: Sql, id: string, a: AttemptRecord): Promise<number | null> {
  const [row] = await sql.query<{ attempts: number }>(
    `update webhook_deliveries set attempts = attempts + 1, status = $2, last_response_status = $3, last_error = $4,
       last_attempt_at = $5, updated_at = $5,
       delivered_at = case when $2 = 'DELIVERED' then $5::timestamptz end,
       failed_at = case when $2 = 'FAILED' then $5::timestamptz end
     where id = $1 and status = 'PENDING' returning attempts`,
    [id, a.status, a.responseStatus, a.error, a.at],
  );
  return row?.attempts ?? null;
}

/** A delivery that cannot be attempted any more (its endpoint was disabled): FAILED without an attempt. */
export async function failUnattempted(sql: Sql, id: string, error: string, at: Date): Promise<void> {
  await sql.query(
    `update webhook_deliveries set status = 'FAILED', last_error = $2, failed_at = $3, updated_at = $3 where id = $1 and status = 'PENDING'`,
    [id, error, at],
  );
}

/** The receiver answered 410 Gone: no more deliveries to this endpoint until it is registered again. */
export async function disableEndpoint(sql: Sql, endpointId: string, reason: string, at: Date): Promise<void> {
  await sql.query(
    `update webhook_endpoints set disabled_at = $3, disabled_reason = $2, updated_at = $3 where id = $1 and disabled_at is null`,
    [endpointId, reason, at],
  );
}
