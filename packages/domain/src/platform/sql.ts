/**
 * Set-based engine SQL runs on the pg client of a MikroORM transaction: `$n` placeholders, real
 * array parameters and COPY, inside the same transaction the ORM sees.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type pg from 'pg';

export interface Sql {
  query<R extends object = Record<string, unknown>>(text: string, values?: unknown[]): Promise<R[]>;
  /** The raw client, for COPY streams. Valid only until the transaction ends. */
  client: pg.Client;
}

interface KnexTransaction {
  client: { acquireConnection(): Promise<pg.Client> };
}

/** The SQL handle of `em`'s current transaction; `em` must be inside `em.transactional`. */
export async function sqlOf(em: EntityManager): Promise<Sql> {
  const trx = em.getTransactionContext<KnexTransaction>();
  if (!trx) throw new Error('sqlOf() needs an EntityManager inside a transaction');
  // knex's transaction client hands back the transaction's own connection (savepoints included).
  const client = await trx.client.acquireConnection();
  return {
    client,
    query: async <R extends object>(text: string, values?: unknown[]) => (await client.query<R>(text, values)).rows,
  };
}

export interface Tx {
  em: EntityManager;
  sql: Sql;
}

/** Runs `fn` in a transaction on a fork of `em`, giving it both the ORM and set-based SQL. */
export function inTransaction<T>(em: EntityManager, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return em.fork().transactional(async (txEm) => fn({ em: txEm, sql: await sqlOf(txEm) }));
}

/** `to_char` pattern keeping a timestamptz's microseconds, which a JS Date would drop. */
export const isoMicros = (column: string): string =>
  `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/** A JSON parameter for a jsonb column: SQL NULL (not JSON null) when there is no value. */
export const jsonb = (value: unknown): string | null => (value === undefined || value === null ? null : JSON.stringify(value));
