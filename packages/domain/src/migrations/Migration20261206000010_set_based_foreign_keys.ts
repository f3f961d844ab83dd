import { Migration } from '@mikro-orm/migrations';

/**
 * Issue 15: the two foreign keys that bulk imports pay for row by row become set-based checks with
 * the same guarantee. A foreign key checks each inserted row with its own look-up and row lock: for
 * a registry import that is one per task at the upload (tasks → jobs) and one per device name in
 * the workers (device_definition_names → device_definitions), measured at a quarter of the names'
 * COPY. A statement-level trigger checks a whole COPY with one join instead:
 * - after an insert of children, every parent must exist; the parents are locked `FOR KEY SHARE`,
 *   as a foreign key locks them, so a concurrent delete of one waits for the children's transaction
 *   and then finds them;
 * - a child's parent never changes (a task stays in its job, a name with its device), so an update
 *   of the key is refused: a row trigger `of` that column, which the outcome UPDATE never sets, so it
 *   costs that statement nothing (a statement trigger would copy every updated row for its check);
 * - after a delete of parents, their children are deleted (the keys were `on delete cascade`).
 * The violation is SQLSTATE 23503 (foreign_key_violation), as before.
 */
const parentCheck = (name: string, child: string, column: string, parent: string): string => `
  create function ${name}() returns trigger language plpgsql as $$
  declare
    wanted uuid[];
    found bigint;
  begin
    -- An array, not a join: the planner knows nothing of a transition table, and a semi-join
    -- with it scanned the whole parent table for each chunk (measured 30 ms a chunk at 200,000).
    select array_agg(distinct ${column}) into wanted from new_rows;
    select count(*) into found from (select 1 from ${parent} where id = any(wanted) for key share) locked;
    if found <> coalesce(cardinality(wanted), 0) then
      raise foreign_key_violation using
        message = format('insert on table "${child}" violates foreign key "${column}": %s of its %s ${parent} do not exist', cardinality(wanted) - found, cardinality(wanted));
    end if;
    return null;
  end $$`;

const keyNeverChanges = (name: string, child: string, column: string): string => `
  create function ${name}() returns trigger language plpgsql as $$
  begin
    raise foreign_key_violation using message = 'update on table "${child}" may not change "${column}"';
  end $$`;

const cascade = (name: string, child: string, column: string): string => `
  create function ${name}() returns trigger language plpgsql as $$
  begin
    delete from ${child} where ${column} in (select id from old_rows);
    return null;
  end $$`;

const keys = [
  { child: 'tasks', column: 'job_id', parent: 'jobs', constraint: 'tasks_job_id_fkey' },
  { child: 'device_definition_names', column: 'device_definition_id', parent: 'device_definitions', constraint: 'device_definition_names_device_definition_id_fkey' },
] as const;

export class Migration20261206000010_set_based_foreign_keys extends Migration {
  override up(): void {
    for (const { child, column, parent, constraint } of keys) {
      this.addSql(`alter table ${child} drop constraint ${constraint}`);
      this.addSql(parentCheck(`${child}_parents_exist`, child, column, parent));
      this.addSql(`create trigger ${child}_parents_exist after insert on ${child}
        referencing new table as new_rows for each statement execute function ${child}_parents_exist()`);
      this.addSql(keyNeverChanges(`${child}_${column}_never_changes`, child, column));
      this.addSql(`create trigger ${child}_${column}_never_changes before update of ${column} on ${child}
        for each row when (old.${column} is distinct from new.${column}) execute function ${child}_${column}_never_changes()`);
      this.addSql(cascade(`${parent}_delete_${child}`, child, column));
      this.addSql(`create trigger ${parent}_delete_${child} after delete on ${parent}
        referencing old table as old_rows for each statement execute function ${parent}_delete_${child}()`);
    }
  }

  override down(): void {
    for (const { child, column, parent, constraint } of keys) {
      this.addSql(`drop trigger ${parent}_delete_${child} on ${parent}`);
      this.addSql(`drop function ${parent}_delete_${child}()`);
      this.addSql(`drop trigger ${child}_${column}_never_changes on ${child}`);
      this.addSql(`drop function ${child}_${column}_never_changes()`);
      this.addSql(`drop trigger ${child}_parents_exist on ${child}`);
      this.addSql(`drop function ${child}_parents_exist()`);
      this.addSql(`alter table ${child} add constraint ${constraint} foreign key (${column}) references ${parent} (id) on delete cascade`);
    }
  }
}
