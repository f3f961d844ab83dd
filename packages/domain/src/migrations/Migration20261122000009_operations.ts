import { Migration } from '@mikro-orm/migrations';

/**
 * Issue 12, for operators: `maintenance_runs`, one row per maintenance pass with its last run and
 * result (the worker's reconciler upserts its row on every run, so the table never grows), and an
 * index for listing a client's jobs of several types at once by (inserted_at, id), either direction
 * (`pageJobs` with many types): the scan walks the client's jobs in order and filters type and
 * status as it goes, stopping at the page's end.
 */
export class Migration20261122000009_operations extends Migration {
  override up(): void {
    this.addSql(`
      create table maintenance_runs (
        name text primary key,
        last_run_at timestamptz(6) not null,
        last_result jsonb not null default '{}'
      )`);
    this.addSql(`create index jobs_client_inserted_at_idx on jobs (client_id, inserted_at, id)`);
  }

  override down(): void {
    this.addSql('drop index if exists jobs_client_inserted_at_idx');
    this.addSql('drop table if exists maintenance_runs');
  }
}
