/**
 * Killing and replacing the platform's real processes, and watching what Postgres sees of them: the
 * process-control half of the fault tests (the other half, stopping a process at a known point,
 * is gates.ts).
 */
import { expect } from 'vitest';
import { queueNames } from '@jabba/domain/engine';
import type { AppProcess } from '#test/process';
import type { Platform } from '#test/platform';
import { waitFor } from '#test/wait-for';
import type { Sql } from './exactly-once';

/** SIGKILL, and waits for the process to be gone: nothing of it runs any more, no handler, no exit step. */
export async function sigkill(victim: AppProcess): Promise<void> {
  victim.child.kill('SIGKILL');
  const [, signal] = await victim.exit;
  expect(signal, 'the victim died of SIGKILL').toBe('SIGKILL');
}

/** SIGTERM, as an orchestrator stops a process: answers its exit code once it has exited. */
export async function sigterm(victim: AppProcess): Promise<number | null> {
  victim.child.kill('SIGTERM');
  const [code] = await victim.exit;
  return code;
}

/**
 * SIGKILLs `victim` and starts `replacement` (a PGAPPNAME) in its place. Answers once the victim is
 * dead; the replacement's start is the promise in the answer, so the test can go on killing while
 * it boots (a start takes 10-20 s on a loaded 2-core machine).
 */
export async function killAndReplace(platform: Platform, victim: AppProcess, replacement: string, env: Record<string, string> = {}): Promise<{ started: Promise<AppProcess> }> {
  await sigkill(victim);
  return { started: platform.startWorker(replacement, env) };
}

/**
 * The database settings every process-killing test needs, set on the test's own database before
 * any process connects. `client_connection_check_interval`: a backend whose client was killed in
 * the middle of a statement (held at a gate, or just long) notices within 250 ms and rolls back,
 * instead of holding its row locks until the statement ends on its own.
 */
export async function noticeDeadClients(sql: Sql): Promise<void> {
  const [row] = await sql<{ name: string }>('select current_database() as name');
  await sql(`alter database "${row!.name.replaceAll('"', '""')}" set client_connection_check_interval = 250`);
}

/** Sessions of `applicationName` (a process's PGAPPNAME) open in this database now. */
export async function backendsOf(sql: Sql, applicationName: string): Promise<number> {
  const [row] = await sql<{ n: string }>(
    'select count(*) as n from pg_stat_activity where datname = current_database() and application_name = ?', [applicationName]);
  return Number(row!.n);
}

/** Waits until Postgres has closed every session of a dead process, rolling back what they held. */
export async function waitForBackendsGone(sql: Sql, applicationName: string): Promise<void> {
  await waitFor(async () => (await backendsOf(sql, applicationName)) === 0, { timeout: 15_000, interval: 50, what: `the sessions of ${applicationName} to end` });
}

/** How many times BullMQ saw a chunk stall (its worker gone, its lock expired), from the tasks queue's event stream. */
export async function stalledChunks(events: { xrange(key: string, start: string, end: string): Promise<[string, string[]][]> }, prefix: string): Promise<number> {
  const entries = await events.xrange(`${prefix}:${queueNames.tasks}:events`, '-', '+');
  return entries.filter(([, fields]) => fields[0] === 'event' && fields[1] === 'stalled').length;
}
