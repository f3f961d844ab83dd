import { Migration } from '@mikro-orm/migrations';

/** SPEC §7 identity tables and the SPEC §2 jabba tables, with stored per-status counters. */
export class Migration20261122000001_identity_and_jobs extends Migration {
  override up(): void {
    this.addSql(`
      create table clients (
        id uuid primary key,
        name text not null,
        type text not null check (type in ('NHS', 'MIS', 'MSP', 'PHARMACY')),
        status text not null default 'ACTIVE' check (status in ('ACTIVE', 'SUSPENDED', 'CLOSED')),
        is_blocked boolean not null default false,
        inserted_at timestamptz(6) not null default now(),
        updated_at timestamptz(6) not null default now()
      )`);
    this.addSql(`
      create table user_roles (
        id uuid primary key default gen_random_uuid(),
        user_id uuid not null,
        client_id uuid not null references clients (id) on delete cascade,
        role text not null,
        inserted_at timestamptz(6) not null default now(),
        updated_at timestamptz(6) not null default now(),
        constraint user_roles_user_client_role_unique unique (user_id, client_id, role)
      )`);
    this.addSql(`
      create table jobs (
        id uuid primary key,
        name varchar(128),
        type text not null,
        strategy text not null default 'SEQUENTIALLY' check (strategy in ('SEQUENTIALLY', 'CONCURRENT')),
        status text not null default 'PENDING' check (status in ('PENDING', 'PROCESSED', 'FAILED')),
        meta jsonb,
        idempotency_key text,
        client_id uuid references clients (id) on delete set null,
        user_id uuid,
        chunk_size integer not null check (chunk_size > 0),
        epoch integer not null default 0,
        tasks_total integer not null default 0,
        tasks_new integer not null default 0,
        tasks_pending integer not null default 0,
        tasks_consumed integer not null default 0,
        tasks_processed integer not null default 0,
        tasks_failed integer not null default 0,
        tasks_rescued integer not null default 0,
        tasks_aborted integer not null default 0,
        ended_at timestamptz(6),
        inserted_at timestamptz(6) not null default now(),
        updated_at timestamptz(6) not null default now(),
        -- The counters are the job's progress; the database refuses any update that breaks them.
        constraint jobs_counters_add_up check (
          tasks_total = tasks_new + tasks_pending + tasks_consumed + tasks_processed
                      + tasks_failed + tasks_rescued + tasks_aborted
          and least(tasks_new, tasks_pending, tasks_consumed, tasks_processed,
                    tasks_failed, tasks_rescued, tasks_aborted) >= 0),
        constraint jobs_ended_when_final check ((status = 'PENDING') = (ended_at is null))
      )`);
    this.addSql(`create unique index jobs_client_idempotency_key_unique
      on jobs (client_id, idempotency_key) where idempotency_key is not null`);
    this.addSql(`create index jobs_unfinished_idx on jobs (inserted_at) where status = 'PENDING'`);
    this.addSql(`create index jobs_type_inserted_at_idx on jobs (type, inserted_at, id)`);
    this.addSql(`
      create table tasks (
        id uuid primary key default gen_random_uuid(),
        job_id uuid not null references jobs (id) on delete cascade,
        seq integer not null check (seq > 0),
        name text,
        priority smallint not null default 0,
        status text not null check (status in
          ('NEW', 'PENDING', 'CONSUMED', 'PROCESSED', 'FAILED', 'RESCUED', 'ABORTED')),
        meta jsonb,
        result jsonb,
        error jsonb,
        ended_at timestamptz(6),
        inserted_at timestamptz(6) not null default now(),
        updated_at timestamptz(6) not null default now(),
        constraint tasks_job_seq_unique unique (job_id, seq)
      )`);
    // Chunk claims, status filters and the reconciler all read (job, status, seq) ranges.
    this.addSql(`create index tasks_job_status_seq_idx on tasks (job_id, status, seq)`);
  }

  override down(): void {
    this.addSql('drop table if exists tasks');
    this.addSql('drop table if exists jobs');
    this.addSql('drop table if exists user_roles');
    this.addSql('drop table if exists clients');
  }
}
