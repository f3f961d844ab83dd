/**
 * Keyset pages of many parents in one statement: the same window for each parent (a job's tasks,
 * a group's services), as GraphQL asks for a nested connection under every item of a page. One
 * statement per field and level instead of one per parent, so what a query costs in round trips
 * does not grow with its page size.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { keyComparison, type KeysetPage, type KeysetQuery, pageSqlOf, param, type Raw } from './keyset';

export interface ParentKeysetQuery<K> extends KeysetQuery<K> {
  /** The column naming a row's parent, e.g. `t.job_id`; parents are uuids. */
  parentColumn: string;
  parentIds: readonly string[];
}

type Comparison = '<' | '>' | '<=' | '>=';

/**
 * Every parent asked for gets a page, empty when it has no rows. A lateral subquery per parent
 * reads its window along the order's index with its own limit; two more look for rows beyond the
 * cursors, ordered along the index with `limit 1` as keysetPage's probes are (an `exists` may be
 * planned as a sequential scan). `offset 0` keeps the probes a subquery of their own, run once per
 * parent: flattened into the join, Postgres 15 ran them once per row of the window (measured: 51
 * times, 0.77 s instead of 18 ms, for a page of a job of a million tasks in status order).
 */
export async function keysetPagesByParent<K>(em: EntityManager, q: ParentKeysetQuery<K>): Promise<Map<string, KeysetPage>> {
  const cmp = (forward: boolean, inclusive: boolean): Comparison =>
    `${forward === q.ascending ? '>' : '<'}${inclusive ? '=' : ''}` as Comparison;
  // One statement: the conditions' own `$1`… serve the window and both probes; the rest are numbered on.
  const params = [...q.params];
  const bounded = (bounds: Array<[Comparison, K]>): string =>
    [`${q.parentColumn} = p.parent_id`, ...q.where, ...bounds.map(([op, key]) => keyComparison(q.key, op, key, params))].join(' and ');
  const orderBy = (ascending: boolean, columns = q.orderColumns): string => columns.map((c) => `${c} ${ascending ? 'asc' : 'desc'}`).join(', ');
  const probe = (op: Comparison, key: K | null | undefined): string =>
    key ? `coalesce((select true from ${q.from} where ${bounded([[op, key]])} order by ${orderBy(op.startsWith('>'))} limit 1), false)` : 'false';
  const beforeAfter = probe(cmp(false, true), q.after);
  const afterBefore = probe(cmp(true, true), q.before);
  const bounds: Array<[Comparison, K]> = [];
  if (q.after) bounds.push([cmp(true, false), q.after]);
  if (q.before) bounds.push([cmp(false, false), q.before]);
  const window = bounded(bounds);
  const scanAscending = q.ascending !== q.fromEnd;
  const sortColumns = q.orderColumns.map((c, i) => `${c} as keyset_sort_${i}`).join(', ');
  const rows = await pageSqlOf(em, q).query<Raw>(
    `select p.parent_id as keyset_parent, probes.exists_before_after, probes.exists_after_before, x.*
       from unnest(${param(params, [...new Set(q.parentIds)], 'uuid[]')}) with ordinality as p(parent_id, position)
       cross join lateral (select ${beforeAfter} as exists_before_after, ${afterBefore} as exists_after_before offset 0) probes
       left join lateral (
         select ${q.select}, ${sortColumns}, true as keyset_row from ${q.from} where ${window}
          order by ${orderBy(scanAscending)} limit ${param(params, q.limit)}
       ) x on true
      order by p.position, ${orderBy(scanAscending, q.orderColumns.map((_, i) => `x.keyset_sort_${i}`))}`,
    params,
  );
  const pages = new Map<string, KeysetPage>();
  for (const r of rows) {
    const parent = r.keyset_parent as string;
    let page = pages.get(parent);
    if (!page) pages.set(parent, (page = { rows: [], existsBeforeAfter: r.exists_before_after === true, existsAfterBefore: r.exists_after_before === true }));
    if (r.keyset_row === true) page.rows.push(r);
  }
  // Read from the window's end (Relay `last`), rows still go back in the order's direction.
  if (q.fromEnd) for (const page of pages.values()) page.rows.reverse();
  return pages;
}
