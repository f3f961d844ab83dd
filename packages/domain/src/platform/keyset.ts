/**
 * Keyset pagination over one index, shared by every paged read (a job's tasks, a client's jobs):
 * bounds are row comparisons on the sort key, which the planner turns into index bounds — never
 * OFFSET, never count(*). Whether rows exist beyond the window (Relay's hasPrevious/hasNext) is a
 * one-row probe ordered along the same index.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { indexOrderSqlOf, sqlOf, type Sql } from './sql';

export type Raw = Record<string, unknown>;

type Comparison = '<' | '>' | '<=' | '>=';

export interface KeysetQuery<K> {
  /** `from` clause with its alias, e.g. `tasks t`. */
  from: string;
  select: string;
  /** Conditions that do not depend on the window; their placeholders `$1`… number `params`. */
  where: string[];
  params: unknown[];
  key: SortKey<K>;
  /** Columns of the order by, in order (qualified, so a selected alias of the same name is not used). */
  orderColumns: string[];
  ascending: boolean;
  /** Exclusive bounds, in the order's direction. */
  after?: K | null;
  before?: K | null;
  /** Rows to read; callers ask for one more than they show to learn whether more exist. */
  limit: number;
  /** Read the window from its end (Relay `last`); rows still come back in the order's direction. */
  fromEnd: boolean;
  /**
   * Read along the index whatever the planner's estimates (bitmap scans off, `indexOrderSqlOf`):
   * for tables whose statistics lag bulk loads, where an estimate of a few rows for a window of
   * thousands turns the page into a scan and a sort of all of them.
   */
  alongIndex?: boolean;
}

/** The handle a page's statements run on. */
export const pageSqlOf = (em: EntityManager, q: Pick<KeysetQuery<unknown>, 'alongIndex'>): Sql => (q.alongIndex ? indexOrderSqlOf(em) : sqlOf(em));

/**
 * The sort key as SQL (`(t.status, t.seq)` or `t.seq`), a key's values in the same order, and the
 * type each value's placeholder is cast to (`null`: none, the column's type is inferred).
 */
export interface SortKey<K> {
  sql: string;
  values: (key: K) => unknown[];
  casts: ReadonlyArray<string | null>;
}

/** Adds `value` to `params` and names it: `$n`, cast when `cast` is given. */
export function param(params: unknown[], value: unknown, cast: string | null = null): string {
  params.push(value);
  return `$${params.length}${cast ? `::${cast}` : ''}`;
}

/**
 * `<key> <op> <key's values>` as SQL, its values added to `params`: a row comparison such as
 * `(t.status, t.seq) > ($2, $3)`, which the planner turns into a bound on the index of the key.
 */
export function keyComparison<K>(key: SortKey<K>, op: string, value: K, params: unknown[]): string {
  const holes = key.values(value).map((v, i) => param(params, v, key.casts[i] ?? null));
  return `${key.sql} ${op} ${holes.length === 1 ? holes[0] : `(${holes.join(', ')})`}`;
}

/** The key of a list in creation order; `id` breaks ties between rows inserted in the same microsecond. */
export interface CreationKey {
  /** ISO-8601 with microseconds, as the read models render `inserted_at`. */
  insertedAt: string;
  id: string;
}

/**
 * Key and order of a list in creation order over `<alias>.inserted_at, <alias>.id`: a row
 * comparison, which the planner turns into one index bound. The columns are qualified because the
 * read models select the timestamps as text under the same names, and text does not use the index.
 */
export const creationOrder = (alias: string): Pick<KeysetQuery<CreationKey>, 'key' | 'orderColumns'> => ({
  key: { sql: `(${alias}.inserted_at, ${alias}.id)`, values: (k) => [k.insertedAt, k.id], casts: ['timestamptz', 'uuid'] },
  orderColumns: [`${alias}.inserted_at`, `${alias}.id`],
});

export interface KeysetPage {
  rows: Raw[];
  /** A row sits at or before `after` (only looked up when `after` is given). */
  existsBeforeAfter: boolean;
  /** A row sits at or after `before` (only looked up when `before` is given). */
  existsAfterBefore: boolean;
}

export async function keysetPage<K>(em: EntityManager, q: KeysetQuery<K>): Promise<KeysetPage> {
  // "After" in the order's direction is "greater" only when ascending.
  const cmp = (forward: boolean, inclusive: boolean): Comparison =>
    `${forward === q.ascending ? '>' : '<'}${inclusive ? '=' : ''}` as Comparison;
  // Every statement starts from the conditions' own `$1`…; the bounds' values are numbered after them.
  const bounded = (bounds: Array<[Comparison, K]>): { where: string; params: unknown[] } => {
    const params = [...q.params];
    const conditions = [...q.where, ...bounds.map(([op, key]) => keyComparison(q.key, op, key, params))];
    // No filter and no bound (a first page of everything) is still a valid `where`.
    const where = conditions.length > 0 ? conditions.join(' and ') : 'true';
    return { where, params };
  };
  const sql = pageSqlOf(em, q);
  const orderBy = (scanAscending: boolean): string => q.orderColumns.map((c) => `${c} ${scanAscending ? 'asc' : 'desc'}`).join(', ');
  // A probe ordered along the index, not `exists (…)`: for exists the planner may pick a
  // sequential scan, which reads the whole table when nothing matches.
  const exists = async (op: Comparison, key: K): Promise<boolean> => {
    const probe = bounded([[op, key]]);
    const found = await sql.query(`select 1 from ${q.from} where ${probe.where} order by ${orderBy(op.startsWith('>'))} limit 1`, probe.params);
    return found.length > 0;
  };

  const bounds: Array<[Comparison, K]> = [];
  if (q.after) bounds.push([cmp(true, false), q.after]);
  if (q.before) bounds.push([cmp(false, false), q.before]);
  const { where, params } = bounded(bounds);
  const [rows, existsBeforeAfter, existsAfterBefore] = await Promise.all([
    sql.query<Raw>(`select ${q.select} from ${q.from} where ${where} order by ${orderBy(q.ascending !== q.fromEnd)} limit ${param(params, q.limit)}`, params),
    q.after ? exists(cmp(false, true), q.after) : false,
    q.before ? exists(cmp(true, true), q.before) : false,
  ]);
  if (q.fromEnd) rows.reverse();
  return { rows, existsBeforeAfter, existsAfterBefore };
}
