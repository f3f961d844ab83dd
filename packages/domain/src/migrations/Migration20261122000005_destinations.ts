import { Migration } from '@mikro-orm/migrations';

/**
 * The delivery service's tables as they stood before destinations had a status (seed 001): a
 * destination, the cases its submissions open, and each case's submissions, replies and status
 * events (security event tokens, which expire). The next migration adds the status.
 * Deleting a destination deletes everything below it (the scheduled sweep relies on it).
 */
export class Migration20261122000005_destinations extends Migration {
  override up(): void {
    this.addSql(`
      create table destinations (
        id uuid primary key default gen_random_uuid(),
        name text not null check (length(name) between 1 and 255),
        client_id uuid references clients (id),
        inserted_at timestamptz(6) not null default now(),
        updated_at timestamptz(6) not null default now()
      )`);
    this.addSql(`create index destinations_client_idx on destinations (client_id, inserted_at, id)`);
    this.addSql(`
      create table cases (
        id uuid primary key default gen_random_uuid(),
        destination_id uuid not null references destinations (id) on delete cascade,
        inserted_at timestamptz(6) not null default now()
      )`);
    this.addSql(`create index cases_destination_idx on cases (destination_id)`);
    this.addSql(`
      create table submissions (
        id uuid primary key default gen_random_uuid(),
        destination_id uuid not null references destinations (id) on delete cascade,
        case_id uuid not null references cases (id) on delete cascade,
        payload jsonb,
        inserted_at timestamptz(6) not null default now()
      )`);
    this.addSql(`create index submissions_destination_idx on submissions (destination_id)`);
    this.addSql(`create index submissions_case_idx on submissions (case_id)`);
    this.addSql(`
      create table case_events (
        id uuid primary key default gen_random_uuid(),
        case_id uuid not null references cases (id) on delete cascade,
        event text not null,
        expires_at timestamptz(6) not null,
        inserted_at timestamptz(6) not null default now()
      )`);
    this.addSql(`create index case_events_case_expires_idx on case_events (case_id, expires_at)`);
    this.addSql(`
      create table case_replies (
        id uuid primary key default gen_random_uuid(),
        case_id uuid not null references cases (id) on delete cascade,
        payload jsonb,
        inserted_at timestamptz(6) not null default now()
      )`);
    this.addSql(`create index case_replies_case_idx on case_replies (case_id)`);
  }

  override down(): void {
    this.addSql('drop table case_replies, case_events, submissions, cases, destinations');
  }
}
