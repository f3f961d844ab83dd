/**
 * Per-request batching for GraphQL fields under a list (no N+1): graphql-js resolves a field for
 * every item of a list before it awaits anything, so the keys asked for in one turn of the event
 * loop go to one `run` — for 50 jobs' `tasks`, one statement, not 50. A DataLoader configured the
 * same way everywhere it is used.
 */
import DataLoader from 'dataloader';
import { maxPageSize } from './pages';

export type Load<V> = (key: string) => Promise<V>;

/**
 * `run` answers a set of keys with a map; a key it has no value for gets `missing`. Each loader
 * belongs to one request: nothing is cached past its batch, so a mutation's payload read later in
 * the request sees what the mutation wrote.
 */
export function batchLoader<V>(run: (keys: readonly string[]) => Promise<Map<string, V>>, missing: V): Load<V> {
  const loader = new DataLoader<string, V>(
    async (keys) => {
      const values = await run(keys);
      return keys.map((key) => (values.has(key) ? (values.get(key) as V) : missing));
    },
    {
      cache: false,
      // The keys travel as one array parameter; a page holds at most this many parents.
      maxBatchSize: maxPageSize,
      // Not the default microtask: resolvers reach `load` after awaiting authorization, and every
      // such continuation of the same turn belongs in the batch.
      batchScheduleFn: (dispatch) => setImmediate(dispatch),
    },
  );
  return (key) => loader.load(key);
}

/**
 * Loaders that batch only keys asked with the same arguments (a nested connection's window: filter,
 * order, cursors, size): one loader per distinct `args`, made on first use.
 */
export function loaderPerArgs<A, V>(make: (args: A) => Load<V>): (key: string, args: A) => Promise<V> {
  const loaders = new Map<string, Load<V>>();
  return (key, args) => {
    const id = JSON.stringify(args);
    let load = loaders.get(id);
    if (!load) loaders.set(id, (load = make(args)));
    return load(key);
  };
}

/** Loaders made once per request: keyed by an object of the request's own, its EntityManager fork. */
export function perRequest<R extends object, L>(make: (request: R) => L): (request: R) => L {
  const made = new WeakMap<R, L>();
  return (request) => {
    let loaders = made.get(request);
    if (!loaders) made.set(request, (loaders = make(request)));
    return loaders;
  };
}
