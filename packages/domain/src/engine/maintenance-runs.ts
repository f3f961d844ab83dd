/**
 * The last run of each maintenance pass (the reconciler, …), one row per name in
 * `maintenance_runs`: an upsert per run, so the table never grows, and operators read when the pass
 * last ran and what it did without asking Redis or the workers' logs.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { isoMicros, jsonb, sqlOf, type IsoTimestamp } from '../platform';

export const maintenanceRunNames = {
  /** The reconciler; its result is `{ reenqueued }`, the chunks it offered again. */
  reconcile: 'reconcile',
  /** Retention of ended jobs; its result is `{ retentionDays, jobsDeleted, tasksDeleted, statements, longestStatementMs }`. */
  jobRetention: 'job-retention',
} as const;

export interface MaintenanceRun {
  name: string;
  lastRunAt: IsoTimestamp;
  lastResult: Record<string, unknown>;
}

export async function recordMaintenanceRun(em: EntityManager, name: string, result: Record<string, unknown>): Promise<void> {
  await sqlOf(em).query(
    `insert into maintenance_runs (name, last_run_at, last_result) values ($1, now(), $2)
     on conflict (name) do update set last_run_at = excluded.last_run_at, last_result = excluded.last_result`,
    [name, jsonb(result)],
  );
}

export async function findMaintenanceRun(em: EntityManager, name: string): Promise<MaintenanceRun | null> {
  const [row] = await sqlOf(em).query<MaintenanceRun>(
    `select name, ${isoMicros('last_run_at')} as "lastRunAt", last_result as "lastResult" from maintenance_runs where name = $1`,
    [name],
  );
  return row ?? null;
}
