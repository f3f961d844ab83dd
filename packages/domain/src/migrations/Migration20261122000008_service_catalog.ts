import { Migration } from '@mikro-orm/migrations';

/**
 * The service catalog (SPEC §6, seed 003): services, service groups (a tree through
 * `parent_group_id`) and the inclusions of services in groups. Codes are unique among active rows
 * only, so a deactivated code can be used again; the same holds for an active inclusion. The
 * `SERVICE_CATEGORY` dictionary a service's category must come from is seeded here.
 */
export class Migration20261122000008_service_catalog extends Migration {
  override up(): void {
    this.addSql(`
      create table services (
        id uuid primary key default gen_random_uuid(),
        code text not null check (length(code) between 1 and 255),
        name varchar(100) not null check (length(name) > 0),
        category text,
        is_active boolean not null default true,
        is_composition boolean not null default false,
        request_allowed boolean not null default true,
        inserted_by uuid,
        updated_by uuid,
        inserted_at timestamptz(6) not null default now(),
        updated_at timestamptz(6) not null default now()
      )`);
    this.addSql(`create unique index services_active_code_unique on services (code) where is_active`);
    this.addSql(`create index services_inserted_idx on services (inserted_at, id)`);
    this.addSql(`create index services_code_idx on services (code, id)`);
    this.addSql(`create index services_name_idx on services (name, id)`);
    this.addSql(`
      create table service_groups (
        id uuid primary key default gen_random_uuid(),
        code text not null check (length(code) between 1 and 255),
        name varchar(100) not null check (length(name) > 0),
        is_active boolean not null default true,
        parent_group_id uuid references service_groups (id),
        request_allowed boolean not null default true,
        inserted_by uuid,
        updated_by uuid,
        inserted_at timestamptz(6) not null default now(),
        updated_at timestamptz(6) not null default now()
      )`);
    this.addSql(`create unique index service_groups_active_code_unique on service_groups (code) where is_active`);
    this.addSql(`create index service_groups_parent_idx on service_groups (parent_group_id)`);
    this.addSql(`create index service_groups_inserted_idx on service_groups (inserted_at, id)`);
    this.addSql(`create index service_groups_code_idx on service_groups (code, id)`);
    this.addSql(`create index service_groups_name_idx on service_groups (name, id)`);
    this.addSql(`
      create table service_inclusions (
        id uuid primary key default gen_random_uuid(),
        service_id uuid not null references services (id),
        service_group_id uuid not null references service_groups (id),
        is_active boolean not null default true,
        inserted_by uuid,
        updated_by uuid,
        inserted_at timestamptz(6) not null default now(),
        updated_at timestamptz(6) not null default now()
      )`);
    this.addSql(`create unique index service_inclusions_active_unique on service_inclusions (service_group_id, service_id) where is_active`);
    this.addSql(`create index service_inclusions_service_idx on service_inclusions (service_id) where is_active`);
    this.addSql(`
      insert into dictionaries (name, code, description) values
        ('SERVICE_CATEGORY', 'laboratory_procedure', 'Laboratory procedure'),
        ('SERVICE_CATEGORY', 'imaging', 'Imaging'),
        ('SERVICE_CATEGORY', 'diagnostic_procedure', 'Diagnostic procedure'),
        ('SERVICE_CATEGORY', 'surgical_procedure', 'Surgical procedure'),
        ('SERVICE_CATEGORY', 'procedure', 'Procedure'),
        ('SERVICE_CATEGORY', 'counselling', 'Counselling'),
        ('SERVICE_CATEGORY', 'education', 'Education'),
        ('SERVICE_CATEGORY', 'social_service', 'Social service')`);
  }

  override down(): void {
    this.addSql('drop table service_inclusions, service_groups, services');
    this.addSql(`delete from dictionaries where name = 'SERVICE_CATEGORY'`);
  }
}
