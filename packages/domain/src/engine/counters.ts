/**
 * The per-status task counters on the jobs row. Every statement that moves tasks also moves the
 * counters, in the same transaction; the row's CHECK constraint refuses counters that don't add up.
 * The jobs row is always locked last (after task rows), so engine transactions never deadlock.
 */
import { jobOutcome, taskStatuses, type JobStatus, type TaskCounters, type TaskStatus } from './status-rules';
import type { Sql } from '../platform';

export type CounterDeltas = Partial<Record<TaskStatus, number>> & { total?: number };

const column = (status: TaskStatus | 'total'): string => `tasks_${status.toLowerCase()}`;

const counterKeys = ['total', ...taskStatuses] as const;

/** Selects the counters as `"total"`, `"NEW"`, … so that `countersOf` can read them back. */
export const countersColumns = counterKeys.map((s) => `${column(s)} as "${s}"`).join(', ');

export const countersOf = (row: Record<string, unknown>): TaskCounters =>
  Object.fromEntries(counterKeys.map((k) => [k, Number(row[k])])) as TaskCounters;

/** Adds deltas of moved tasks: `{ from: [status, n][], to: status }` style counting done by callers. */
export function moved(fromCounts: Iterable<[TaskStatus, number]>, to: TaskStatus): CounterDeltas {
  const deltas: CounterDeltas = {};
  for (const [from, n] of fromCounts) {
    deltas[from] = (deltas[from] ?? 0) - n;
    deltas[to] = (deltas[to] ?? 0) + n;
  }
  return deltas;
}

export function mergeDeltas(...all: CounterDeltas[]): CounterDeltas {
  const out: CounterDeltas = {};
  for (const d of all) {
    for (const [k, v] of Object.entries(d) as [TaskStatus | 'total', number][]) out[k] = (out[k] ?? 0) + v;
  }
  return out;
}

export function countBy<T>(rows: T[], key: (row: T) => TaskStatus): [TaskStatus, number][] {
  const counts = new Map<TaskStatus, number>();
  for (const row of rows) counts.set(key(row), (counts.get(key(row)) ?? 0) + 1);
  return [...counts];
}

export interface JobProgressRow {
  status: JobStatus;
  counters: TaskCounters;
  /** True only in the one transaction that moved the job to its final status. */
  endedNow: boolean;
}

/**
 * Applies `deltas` and, when no task is left unfinished, ends the job (PROCESSED or FAILED,
 * `ended_at = now()`). The `status = 'PENDING'` guard under the row lock makes ending happen once.
 */
export async function applyCounters(sql: Sql, jobId: string, deltas: CounterDeltas): Promise<JobProgressRow> {
  const sets: string[] = [];
  const values: unknown[] = [jobId];
  for (const [k, v] of Object.entries(deltas) as [TaskStatus | 'total', number][]) {
    if (v === 0) continue;
    values.push(v);
    sets.push(`${column(k)} = ${column(k)} + $${values.length}`);
  }
  const [row] = await sql.query<TaskCounters & { status: JobStatus }>(
    `update jobs set ${[...sets, 'updated_at = now()'].join(', ')} where id = $1 returning status, ${countersColumns}`,
    values,
  );
  if (!row) throw new Error(`job ${jobId} vanished while its tasks were updated`);
  const { status, ...counters } = row;
  const outcome = jobOutcome(counters);
  if (status !== 'PENDING' || outcome === 'PENDING') return { status, counters, endedNow: false };
  await sql.query(`update jobs set status = $2, ended_at = now(), updated_at = now() where id = $1`, [jobId, outcome]);
  return { status: outcome, counters, endedNow: true };
}
