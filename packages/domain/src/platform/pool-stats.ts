/**
 * What the ORM's connection pool is doing, for the processes' metrics. knex keeps a tarn pool; its
 * counters are plain fields, so reading them on every scrape costs nothing and touches no database.
 */
import type { MikroORM } from '@mikro-orm/postgresql';

export interface PoolStats {
  /** Connections lent out (running a statement or holding a transaction). */
  inUse: number;
  /** Connections open and idle in the pool. */
  idle: number;
  /** Callers waiting for a connection: above zero for long, the pool is too small. */
  waiting: number;
}

/** tarn's pool, as far as we read it. */
interface TarnPool {
  numUsed(): number;
  numFree(): number;
  numPendingAcquires(): number;
}

export function poolStats(orm: MikroORM): PoolStats {
  const pool = (orm.em.getConnection().getKnex().client as { pool?: TarnPool }).pool;
  // No pool yet (before the first connection) or after close: nothing in use, nobody waiting.
  if (!pool) return { inUse: 0, idle: 0, waiting: 0 };
  return { inUse: pool.numUsed(), idle: pool.numFree(), waiting: pool.numPendingAcquires() };
}
