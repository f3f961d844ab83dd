import { Migration } from '@mikro-orm/migrations';

/**
 * A task's input as its creator gave it (e.g. the raw CSV record of an import line). Kept apart
 * from `meta`, which is what the api shows: the input is for the handler and for error reports.
 */
export class Migration20261122000002_task_input extends Migration {
  override up(): void {
    this.addSql(`alter table tasks add column input text`);
  }

  override down(): void {
    this.addSql(`alter table tasks drop column input`);
  }
}
