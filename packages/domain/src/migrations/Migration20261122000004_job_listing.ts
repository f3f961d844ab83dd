import { Migration } from '@mikro-orm/migrations';

/**
 * Indexes for listing a client's jobs of one type by (inserted_at, id), either direction (pageJobs
 * in job-listing.ts): one for the whole list and one for a status filter, so a client with many
 * finished jobs still reads only the page it asks for from the second. Both are plain b-trees read
 * forwards or backwards; neither needs a sort.
 */
export class Migration20261122000004_job_listing extends Migration {
  override up(): void {
    this.addSql(`create index jobs_client_type_inserted_at_idx on jobs (client_id, type, inserted_at, id)`);
    this.addSql(`create index jobs_client_type_status_inserted_at_idx on jobs (client_id, type, status, inserted_at, id)`);
  }

  override down(): void {
    this.addSql('drop index if exists jobs_client_type_status_inserted_at_idx');
    this.addSql('drop index if exists jobs_client_type_inserted_at_idx');
  }
}
