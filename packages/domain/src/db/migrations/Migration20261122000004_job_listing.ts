import { Migration } from '@mikro-orm/migrations';

/** TODO(issue 3): filled in by its owner. */
export class Migration20261122000004_job_listing extends Migration {
  override up(): void {
    this.addSql('select 1');
  }
}
