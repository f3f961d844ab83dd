import { Migration } from '@mikro-orm/migrations';

/**
 * Manual merge review (SPEC §5): persons (the details an import gives), candidates, reviewers'
 * requests, the audit log, and the outbox of person-deactivation events. The constraints carry the
 * rules that must hold under any concurrency: one reviewer per candidate at a time is the
 * `assignee_id is null` guard of the assigning UPDATE; one NEW request per reviewer and one request
 * per (reviewer, candidate) are unique indexes.
 */
export class Migration20261122000007_merge_review extends Migration {
  override up(): void {
    this.addSql(`
      create table persons (
        id uuid primary key,
        first_name text,
        last_name text,
        birth_date date,
        inserted_at timestamptz(6) not null default now(),
        updated_at timestamptz(6) not null default now()
      )`);
    this.addSql(`
      create table manual_merge_candidates (
        id uuid primary key default gen_random_uuid(),
        merge_candidate_id uuid not null,
        person_id uuid not null references persons (id),
        master_person_id uuid not null references persons (id),
        status text not null default 'NEW' check (status in ('NEW', 'PROCESSED')),
        status_reason text,
        decision text check (decision in ('MERGE', 'SPLIT', 'TRASH')),
        assignee_id uuid,
        inserted_at timestamptz(6) not null default now(),
        updated_at timestamptz(6) not null default now(),
        constraint manual_merge_candidates_pair_unique unique (master_person_id, person_id),
        constraint manual_merge_candidates_not_self check (master_person_id <> person_id)
      )`);
    // The pool an assignment picks from: NEW and unassigned.
    this.addSql(`create index manual_merge_candidates_pool_idx on manual_merge_candidates (inserted_at) where status = 'NEW' and assignee_id is null`);
    this.addSql(`
      create table manual_merge_requests (
        id uuid primary key default gen_random_uuid(),
        manual_merge_candidate_id uuid not null references manual_merge_candidates (id),
        assignee_id uuid not null,
        status text not null default 'NEW' check (status in ('NEW', 'POSTPONE', 'MERGE', 'SPLIT', 'TRASH')),
        comment text,
        inserted_at timestamptz(6) not null default now(),
        updated_at timestamptz(6) not null default now(),
        constraint manual_merge_requests_assignee_candidate_unique unique (assignee_id, manual_merge_candidate_id)
      )`);
    this.addSql(`create unique index manual_merge_requests_one_new_per_assignee on manual_merge_requests (assignee_id) where status = 'NEW'`);
    this.addSql(`create index manual_merge_requests_assignee_idx on manual_merge_requests (assignee_id, status, inserted_at, id)`);
    this.addSql(`create index manual_merge_requests_candidate_idx on manual_merge_requests (manual_merge_candidate_id, status)`);
    this.addSql(`
      create table audit_log (
        id uuid primary key default gen_random_uuid(),
        actor_id uuid,
        resource text not null,
        resource_id uuid not null,
        changeset jsonb not null,
        inserted_at timestamptz(6) not null default now()
      )`);
    this.addSql(`create index audit_log_resource_idx on audit_log (resource, resource_id)`);
    this.addSql(`
      create table person_deactivation_events (
        id uuid primary key default gen_random_uuid(),
        manual_merge_candidate_id uuid not null references manual_merge_candidates (id),
        master_person_id uuid not null,
        merge_person_id uuid not null,
        inserted_at timestamptz(6) not null default now(),
        published_at timestamptz(6)
      )`);
    this.addSql(`create index person_deactivation_events_unpublished_idx on person_deactivation_events (inserted_at) where published_at is null`);
  }

  override down(): void {
    this.addSql('drop table person_deactivation_events, audit_log, manual_merge_requests, manual_merge_candidates, persons');
  }
}
