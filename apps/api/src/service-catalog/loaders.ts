/**
 * Per-request batching of the service catalog's nested fields (no N+1): graphql-js resolves a
 * field of every item of a list before it awaits anything, so the keys asked for in one turn of
 * the event loop are collected and answered by one statement per field and arguments — for 20
 * groups' `services`, one query, not 20. Nothing is cached past its batch: a mutation's payload
 * read later in the same request sees what the mutation wrote. (A few lines here rather than the
 * dataloader package, whose cache would be switched off anyway.)
 */
import {
  findServiceGroups, pageGroupsOfServices, pageServicesOfGroups, pageSubGroups,
  type CatalogPage, type CatalogPageQuery, type ServiceFilter, type ServiceGroupFilter, type ServiceGroupRow, type ServiceRow,
} from '@jabba/domain/service-catalog';
import type { EntityManager } from '@mikro-orm/postgresql';
import { maxPageSize } from '../platform/pages';

/** Most parents one statement is asked about: its parent list is one array parameter. */
const maxParentsPerStatement = maxPageSize;

type Load<V> = (key: string) => Promise<V>;

interface Waiter<V> {
  resolve: (value: V) => void;
  reject: (reason: unknown) => void;
}

/**
 * Keys asked for before the next `setImmediate` go to `run` together (in slices of at most
 * `maxParentsPerStatement`); each caller gets its key's value, or `missing` when `run` has none.
 * `setImmediate` rather than a microtask: resolvers reach `load` after awaiting authorization,
 * and every such continuation of the same turn must be in the batch.
 */
export function batched<V>(run: (keys: string[]) => Promise<Map<string, V>>, missing: V): Load<V> {
  let pending: Map<string, Waiter<V>[]> | null = null;

  async function dispatch(batch: Map<string, Waiter<V>[]>): Promise<void> {
    const keys = [...batch.keys()];
    const slices: string[][] = [];
    for (let i = 0; i < keys.length; i += maxParentsPerStatement) slices.push(keys.slice(i, i + maxParentsPerStatement));
    await Promise.all(slices.map(async (slice) => {
      try {
        const values = await run(slice);
        for (const key of slice) for (const waiter of batch.get(key) ?? []) waiter.resolve(values.get(key) ?? missing);
      } catch (error) {
        for (const key of slice) for (const waiter of batch.get(key) ?? []) waiter.reject(error);
      }
    }));
  }

  return (key) =>
    new Promise<V>((resolve, reject) => {
      if (!pending) {
        const batch = (pending = new Map());
        setImmediate(() => {
          pending = null;
          // dispatch settles every waiter itself and never rejects.
          void dispatch(batch);
        });
      }
      const waiters = pending.get(key);
      if (waiters) waiters.push({ resolve, reject });
      else pending.set(key, [{ resolve, reject }]);
    });
}

const emptyPage: CatalogPage<never> = { rows: [], existsBeforeAfter: false, existsAfterBefore: false };

type PageBatch<F, R> = (em: EntityManager, parentIds: readonly string[], q: CatalogPageQuery<F>) => Promise<Map<string, CatalogPage<R>>>;

export interface CatalogLoaders {
  servicesOfGroup(groupId: string, q: CatalogPageQuery<ServiceFilter>): Promise<CatalogPage<ServiceRow>>;
  groupsOfService(serviceId: string, q: CatalogPageQuery<ServiceGroupFilter>): Promise<CatalogPage<ServiceGroupRow>>;
  subGroups(groupId: string, q: CatalogPageQuery<ServiceGroupFilter>): Promise<CatalogPage<ServiceGroupRow>>;
  group(id: string): Promise<ServiceGroupRow | null>;
}

function createLoaders(em: EntityManager): CatalogLoaders {
  // Parents batch together only when they ask for the same page: one batcher per field and arguments.
  const pageLoaders = new Map<string, Load<CatalogPage<unknown>>>();
  const pageOf = <F, R>(field: string, fetch: PageBatch<F, R>) => (parentId: string, q: CatalogPageQuery<F>): Promise<CatalogPage<R>> => {
    const key = JSON.stringify([field, q.filter ?? null, q.order, q.after ?? null, q.before ?? null, q.limit, q.fromEnd]);
    let load = pageLoaders.get(key);
    if (!load) pageLoaders.set(key, (load = batched<CatalogPage<unknown>>((ids) => fetch(em, ids, q), emptyPage)));
    return load(parentId) as Promise<CatalogPage<R>>;
  };
  return {
    servicesOfGroup: pageOf('services', pageServicesOfGroups),
    groupsOfService: pageOf('serviceGroups', pageGroupsOfServices),
    subGroups: pageOf('subGroups', pageSubGroups),
    group: batched<ServiceGroupRow | null>((ids) => findServiceGroups(em, ids), null),
  };
}

// Keyed by the request's EntityManager (one fork per request), so the loaders go with the request.
const perRequest = new WeakMap<EntityManager, CatalogLoaders>();

export function catalogLoaders(ctx: { em: EntityManager }): CatalogLoaders {
  let loaders = perRequest.get(ctx.em);
  if (!loaders) perRequest.set(ctx.em, (loaders = createLoaders(ctx.em)));
  return loaders;
}
