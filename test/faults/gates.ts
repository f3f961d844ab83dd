/**
 * Gates that hold a real process at a known point inside its transaction, so a test kills it
 * exactly there and not a moment too early or too late. A gate is a trigger, installed by the test
 * on its own database, that takes a shared advisory lock the test holds exclusively: the process's
 * statement waits on it, visibly (pg_locks, pg_stat_progress_copy), until the test opens the gate.
 * The processes' code is not changed; they only wait inside a statement, as under a slow disk.
 */
import pg from 'pg';
import { waitFor } from '#test/wait-for';

/** Advisory lock classes (the first key) of the two gates; the second key is the chunk, or 0. */
const chunkGateClass = 14_011;
const copyGateClass = 14_006;

const waitersOf = `
  select a.application_name as "applicationName", l.objid::int as key, a.pid
  from pg_locks l join pg_stat_activity a on a.pid = l.pid
  where l.locktype = 'advisory' and l.classid = $1 and l.objsubid = 2 and not l.granted
    and l.database = (select oid from pg_database where datname = current_database())
  order by a.application_name`;

export interface HeldChunk {
  /** The PGAPPNAME of the worker holding the chunk. */
  worker: string;
  /** 0 for tasks 1 to chunk_size, 1 for the next chunk_size, and so on. */
  chunk: number;
  pid: number;
}

export interface ChunkGate {
  /** Chunks that, from now on, stop just before writing their tasks' outcomes. */
  close(chunks: readonly number[]): Promise<void>;
  open(chunks: readonly number[]): Promise<void>;
  /** The chunks stopped at the gate now, each with the worker whose transaction holds it. */
  held(): Promise<HeldChunk[]>;
  /** Waits until a chunk is held by a worker that `accept`s it, and answers it. */
  waitForHeld(accept: (held: HeldChunk) => boolean, what: string, timeout?: number): Promise<HeldChunk>;
  /** Opens every chunk and removes the trigger. */
  remove(): Promise<void>;
}

/**
 * A worker holding a chunk (its tasks locked, its handlers run, its transaction open) stops in the
 * UPDATE that writes the outcomes, while the test holds that chunk's gate closed: the moment a
 * kill or a SIGTERM hurts most, since everything the chunk did is still uncommitted.
 */
export async function chunkGate(databaseUrl: string): Promise<ChunkGate> {
  // One session of its own: advisory locks belong to the session that took them.
  const client = new pg.Client({ connectionString: databaseUrl, application_name: 'fault-test-gate' });
  await client.connect();
  await client.query(`
    create or replace function test_chunk_gate() returns trigger language plpgsql as $$
    begin
      perform pg_advisory_xact_lock_shared(${chunkGateClass}, ((new.seq - 1) / (select chunk_size from jobs where id = new.job_id))::int);
      return new;
    end $$`);
  await client.query(`create or replace trigger test_chunk_gate before update of status on tasks for each row
    when (old.status = 'PENDING' and new.status <> 'PENDING') execute function test_chunk_gate()`);
  const closed = new Set<number>();
  const held = async (): Promise<HeldChunk[]> =>
    (await client.query<{ applicationName: string; key: number; pid: number }>(waitersOf, [chunkGateClass])).rows
      .map((r) => ({ worker: r.applicationName, chunk: r.key, pid: r.pid }));
  const open = async (chunks: readonly number[]): Promise<void> => {
    for (const chunk of chunks.filter((c) => closed.has(c))) {
      await client.query('select pg_advisory_unlock($1, $2)', [chunkGateClass, chunk]);
      closed.delete(chunk);
    }
  };
  return {
    async close(chunks) {
      for (const chunk of chunks.filter((c) => !closed.has(c))) {
        await client.query('select pg_advisory_lock($1, $2)', [chunkGateClass, chunk]);
        closed.add(chunk);
      }
    },
    open,
    held,
    waitForHeld: (accept, what, timeout = 45_000) =>
      waitFor(async () => (await held()).find(accept), { timeout, interval: 50, what }),
    async remove() {
      await open([...closed]);
      await client.query('drop trigger if exists test_chunk_gate on tasks');
      await client.end();
    },
  };
}

export interface CopyGate {
  /** Waits until a COPY into tasks stands at the gate; answers its backend and the rows it has copied. */
  waitForHeld(): Promise<{ pid: number; applicationName: string; tuples: number }>;
  open(): Promise<void>;
  /** Opens the gate and removes the trigger. */
  remove(): Promise<void>;
}

/** A COPY into tasks stops at the row of task `seq`, every row before it already copied. */
export async function copyGate(databaseUrl: string, seq: number): Promise<CopyGate> {
  const client = new pg.Client({ connectionString: databaseUrl, application_name: 'fault-test-gate' });
  await client.connect();
  await client.query(`
    create or replace function test_copy_gate() returns trigger language plpgsql as $$
    begin
      perform pg_advisory_xact_lock_shared(${copyGateClass}, 0);
      return new;
    end $$`);
  await client.query(`create or replace trigger test_copy_gate before insert on tasks for each row
    when (new.seq = ${Math.trunc(seq)}) execute function test_copy_gate()`);
  await client.query('select pg_advisory_lock($1, 0)', [copyGateClass]);
  let isClosed = true;
  const open = async (): Promise<void> => {
    if (!isClosed) return;
    await client.query('select pg_advisory_unlock($1, 0)', [copyGateClass]);
    isClosed = false;
  };
  return {
    waitForHeld: () => waitFor(async () => {
      const { rows: [waiter] } = await client.query<{ applicationName: string; pid: number }>(waitersOf, [copyGateClass]);
      if (!waiter) return undefined;
      const { rows: [progress] } = await client.query<{ command: string; tuples: string }>(
        'select command, tuples_processed as tuples from pg_stat_progress_copy where pid = $1', [waiter.pid]);
      return progress?.command === 'COPY FROM' ? { ...waiter, tuples: Number(progress.tuples) } : undefined;
    }, { timeout: 30_000, interval: 20, what: 'a COPY into tasks to reach the gate' }),
    open,
    async remove() {
      await open();
      await client.query('drop trigger if exists test_copy_gate on tasks');
      await client.end();
    },
  };
}
