import { Migration } from '@mikro-orm/migrations';

/** TODO(issue 3): filled in by its owner. */
export class Migration20261122000003_device_registry extends Migration {
  override up(): void {
    this.addSql('select 1');
  }
}
