import { Migration } from '@mikro-orm/migrations';

/**
 * Seed 001's acceptance criteria: the delivery service stores a destination's status; every
 * existing destination becomes `active` (it was live), every new one starts `created`.
 */
export class Migration20261122000006_destination_status extends Migration {
  override up(): void {
    // The default fills the existing rows; it is switched to `created` right after, for new ones.
    this.addSql(`
      alter table destinations
        add column status text not null default 'active'
          check (status in ('created', 'active', 'inactive', 'decommissioned')),
        add column status_changed_at timestamptz(6) not null default now()`);
    this.addSql(`update destinations set status_changed_at = inserted_at`);
    this.addSql(`alter table destinations alter column status set default 'created'`);
    // The sweep looks for decommissioned destinations by how long they have been so.
    this.addSql(`create index destinations_status_changed_idx on destinations (status, status_changed_at)`);
  }

  override down(): void {
    this.addSql('alter table destinations drop column status, drop column status_changed_at');
  }
}
