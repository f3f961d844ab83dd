import { Migration } from '@mikro-orm/migrations';

/**
 * Issue 13, webhooks: a client's endpoints, and one delivery row per endpoint and event, which is
 * the outbox. A trigger on `jobs` writes the `job.ended` deliveries in the very transaction that
 * ends the job (`ended_at` going from null to a time, whichever code path does it: the last chunk,
 * a cancel), so an event exists if and only if the end committed, and the engine knows nothing of
 * webhooks. A retried job that ends again is a new event.
 *
 * The payload is a snapshot taken at the end (the job may be retried or deleted by retention
 * before it is delivered); `progress` counts as engine/status-rules.ts `progressOf` does, and
 * `endedAt` is rendered as every read model renders timestamps (`isoMicros`).
 */
export class Migration20261205000001_webhooks extends Migration {
  override up(): void {
    this.addSql(`
      create table webhook_endpoints (
        id uuid primary key default gen_random_uuid(),
        client_id uuid not null references clients (id) on delete cascade,
        url text not null check (length(url) <= 2048),
        events text[] not null check (cardinality(events) > 0),
        secret text not null,
        -- After a rotation the replaced secret also signs, until previous_secret_until.
        previous_secret text,
        previous_secret_until timestamptz(6),
        -- Set when the receiver answered 410 Gone: no more deliveries are made to it.
        disabled_at timestamptz(6),
        disabled_reason text,
        inserted_at timestamptz(6) not null default now(),
        updated_at timestamptz(6) not null default now()
      )`);
    this.addSql(`create index webhook_endpoints_client_idx on webhook_endpoints (client_id, inserted_at, id)`);
    this.addSql(`
      create table webhook_deliveries (
        id uuid primary key default gen_random_uuid(),
        endpoint_id uuid not null references webhook_endpoints (id) on delete cascade,
        -- One event, delivered to each subscribed endpoint: the webhook-id header, the same on every attempt.
        event_id uuid not null,
        event_type text not null,
        payload jsonb not null,
        status text not null default 'PENDING' check (status in ('PENDING', 'DELIVERED', 'FAILED')),
        attempts integer not null default 0,
        last_error text,
        last_response_status integer,
        last_attempt_at timestamptz(6),
        -- When it was first handed to the queue; the relay re-offers every PENDING one after a Redis loss.
        published_at timestamptz(6),
        delivered_at timestamptz(6),
        failed_at timestamptz(6),
        inserted_at timestamptz(6) not null default now(),
        updated_at timestamptz(6) not null default now(),
        constraint webhook_deliveries_final check (
          (status = 'DELIVERED') = (delivered_at is not null) and (status = 'FAILED') = (failed_at is not null))
      )`);
    this.addSql(`create index webhook_deliveries_endpoint_idx on webhook_deliveries (endpoint_id, inserted_at, id)`);
    this.addSql(`create index webhook_deliveries_pending_idx on webhook_deliveries (inserted_at, id) where status = 'PENDING'`);
    this.addSql(`create index webhook_deliveries_unpublished_idx on webhook_deliveries (inserted_at, id) where published_at is null`);
    // Retention deletes finished deliveries by age.
    this.addSql(`create index webhook_deliveries_finished_idx on webhook_deliveries (inserted_at) where status <> 'PENDING'`);
    this.addSql(`
      create function webhook_job_ended() returns trigger language plpgsql as $$
      declare
        event uuid := gen_random_uuid();
      begin
        insert into webhook_deliveries (endpoint_id, event_id, event_type, payload)
        select e.id, event, 'job.ended', jsonb_build_object(
            'type', 'job.ended',
            'jobId', new.id,
            'jobType', new.type,
            'status', new.status,
            'progress', jsonb_build_object(
              'total', new.tasks_total,
              'pending', new.tasks_new + new.tasks_pending + new.tasks_consumed,
              'processed', new.tasks_processed,
              'failed', new.tasks_failed + new.tasks_rescued,
              'aborted', new.tasks_aborted),
            'endedAt', to_char(new.ended_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))
        from webhook_endpoints e
        where e.client_id = new.client_id and 'job.ended' = any(e.events) and e.disabled_at is null;
        return null;
      end $$`);
    this.addSql(`
      create trigger jobs_webhook_job_ended after update of ended_at on jobs for each row
        when (old.ended_at is null and new.ended_at is not null and new.client_id is not null)
        execute function webhook_job_ended()`);
    this.addSql(`
      create trigger jobs_webhook_job_created_ended after insert on jobs for each row
        when (new.ended_at is not null and new.client_id is not null)
        execute function webhook_job_ended()`);
  }

  override down(): void {
    this.addSql('drop trigger if exists jobs_webhook_job_created_ended on jobs');
    this.addSql('drop trigger if exists jobs_webhook_job_ended on jobs');
    this.addSql('drop function if exists webhook_job_ended()');
    this.addSql('drop table if exists webhook_deliveries');
    this.addSql('drop table if exists webhook_endpoints');
  }
}
