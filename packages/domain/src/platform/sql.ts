/**
 * The one way production code writes SQL: `$n` placeholders, real array parameters, pg's own
 * result rows. A handle runs each statement on the connection of `em`'s transaction when there is
 * one (so it sees, and is part of, what the ORM's transaction does), and otherwise on a connection
 * borrowed from the ORM's pool for that one statement.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type pg from 'pg';

export interface Sql {
  query<R extends object = Record<string, unknown>>(text: string, values?: unknown[]): Promise<R[]>;
}

/** The handle of a transaction, which also lends its raw connection. */
export interface TxSql extends Sql {
  /** The raw client, for COPY streams. Valid only until the transaction ends. */
  client: pg.Client;
}

/**
 * knex's client, as far as we use it: a transaction's client hands back the transaction's own
 * connection (savepoints included) and releases nothing; the root client lends pooled connections.
 */
interface KnexClient {
  acquireConnection(): Promise<pg.Client>;
  releaseConnection(connection: pg.Client): Promise<void>;
}

interface KnexTransaction {
  client: KnexClient;
}

/** The ids knex tags its connections with (and reports in its `query` event). */
interface KnexConnection extends pg.Client {
  __knexUid?: string;
  __knexTxId?: string;
}

/**
 * Runs one statement on `connection`, first firing the `query` event knex fires for its own
 * statements, so whoever watches the ORM's knex (a debug listener, a test counting statements)
 * sees these too.
 */
async function run<R extends object>(em: EntityManager, connection: KnexConnection, text: string, values: unknown[] | undefined): Promise<R[]> {
  const { __knexUid, __knexTxId } = connection;
  em.getConnection().getKnex().emit('query', { __knexUid, __knexTxId, method: 'raw', sql: text, bindings: values ?? [] });
  return (await connection.query<R>(text, values)).rows;
}

/**
 * The SQL handle of `em`. Whether it runs in a transaction is decided per statement: inside
 * `em.transactional` (or `inTransaction`) on the transaction's connection, outside it on a pooled
 * connection that goes back to the pool when the statement ends, whether or not it failed.
 */
export function sqlOf(em: EntityManager): Sql {
  return {
    query: <R extends object>(text: string, values?: unknown[]): Promise<R[]> =>
      onConnection(em, (connection) => run<R>(em, connection, text, values)),
  };
}

/**
 * Runs `use` on the connection a statement of `em` takes: its transaction's when there is one
 * (`inTransaction` true), else one borrowed from the pool and given back when `use` ends.
 */
async function onConnection<T>(em: EntityManager, use: (connection: KnexConnection, inTransaction: boolean) => Promise<T>): Promise<T> {
  const trx = em.getTransactionContext<KnexTransaction>();
  const knex: KnexClient = trx ? trx.client : em.getConnection().getKnex().client;
  const connection: KnexConnection = await knex.acquireConnection();
  try {
    return await use(connection, Boolean(trx));
  } finally {
    await knex.releaseConnection(connection);
  }
}

/**
 * The SQL handle of `em` for reads that must follow an index's order (keyset pages with a LIMIT):
 * each statement runs with bitmap scans off, so the planner's estimates cannot pick a plan that
 * reads every matching row and sorts them. Measured on a 200,000-task job whose rows the statistics
 * did not know yet: a page of 50 FAILED tasks was a bitmap scan of all 6,060 and a sort (21 ms; the
 * issue saw 78 ms), and with bitmap scans off an ordered index scan of 51 (0.5 ms), whatever the
 * estimates; a plain index scan then always costs less than the same scan plus a sort.
 *
 * Outside a transaction a statement gets one of its own, `begin; set local …` sent as one simple
 * query: two more round trips than `sqlOf`, a fraction of a millisecond. Inside the caller's
 * transaction the setting is on for the statement only and reset after it (a failed statement
 * leaves it to the rollback, which undoes it). Only the statement itself is reported to knex's
 * `query` listeners: the framing is not a statement of the caller's.
 */
export function indexOrderSqlOf(em: EntityManager): Sql {
  const noBitmaps = 'set local enable_bitmapscan = off';
  return {
    query: <R extends object>(text: string, values?: unknown[]): Promise<R[]> =>
      onConnection(em, async (connection, inTransaction) => {
        if (inTransaction) {
          await connection.query(noBitmaps);
          const rows = await run<R>(em, connection, text, values);
          await connection.query('reset enable_bitmapscan');
          return rows;
        }
        await connection.query(`begin; ${noBitmaps}`);
        try {
          const rows = await run<R>(em, connection, text, values);
          await connection.query('commit');
          return rows;
        } catch (error) {
          // A connection that cannot even roll back is broken: the pool drops it, the error stands.
          await connection.query('rollback').catch(() => undefined);
          throw error;
        }
      }),
  };
}

/** The handle of `em`'s current transaction, holding its connection; `em` must be inside `em.transactional`. */
async function txSqlOf(em: EntityManager): Promise<TxSql> {
  const trx = em.getTransactionContext<KnexTransaction>();
  if (!trx) throw new Error('txSqlOf() needs an EntityManager inside a transaction');
  const client = await trx.client.acquireConnection();
  return {
    client,
    query: <R extends object>(text: string, values?: unknown[]) => run<R>(em, client, text, values),
  };
}

export interface Tx {
  em: EntityManager;
  sql: TxSql;
}

/** Runs `fn` in a transaction on a fork of `em`, giving it both the ORM and set-based SQL. */
export function inTransaction<T>(em: EntityManager, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return em.fork().transactional(async (txEm) => fn({ em: txEm, sql: await txSqlOf(txEm) }));
}

/** `to_char` pattern keeping a timestamptz's microseconds, which a JS Date would drop. */
export const isoMicros = (column: string): string =>
  `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/** A JSON parameter for a jsonb column: SQL NULL (not JSON null) when there is no value. */
export const jsonb = (value: unknown): string | null => (value === undefined || value === null ? null : JSON.stringify(value));
