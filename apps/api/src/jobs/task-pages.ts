/**
 * Per-request batching of task connections (no N+1): `deviceRegistryJobs { nodes { tasks { … } } }`
 * asks for the tasks of every job on the page; the jobs that ask for the same window (filter,
 * order, cursors, size) in one turn of the event loop are answered by one statement
 * (pageTasksOfJobs), so a page of 50 jobs costs two statements, not 51. Aliases asking for
 * different windows make one statement each, and the alias and cost limits bound those.
 */
import DataLoader from 'dataloader';
import { pageTasksOfJobs, type TaskPage, type TaskPageQuery } from '@jabba/domain/engine';
import type { EntityManager } from '@mikro-orm/postgresql';
import { maxPageSize } from '../platform/pages';

export type TaskWindowQuery = Omit<TaskPageQuery, 'jobId'>;

export type LoadTaskPage = (jobId: string, q: TaskWindowQuery) => Promise<TaskPage>;

const emptyPage: TaskPage = { rows: [], existsBeforeAfter: false, existsAfterBefore: false };

function createTaskPageLoader(em: EntityManager): LoadTaskPage {
  // Jobs batch together only when they ask for the same window: one DataLoader per window.
  const loaders = new Map<string, DataLoader<string, TaskPage>>();
  return (jobId, q) => {
    const window = JSON.stringify([q.status ?? null, q.order, q.after ?? null, q.before ?? null, q.limit, q.fromEnd]);
    let loader = loaders.get(window);
    if (!loader) {
      loader = new DataLoader<string, TaskPage>(
        async (jobIds) => {
          const pages = await pageTasksOfJobs(em, jobIds, q);
          return jobIds.map((id) => pages.get(id) ?? emptyPage);
        },
        {
          // Nothing outlives its batch: a mutation's payload read later in the request sees what it wrote.
          cache: false,
          // The job ids travel as one array parameter; a page of jobs holds at most this many.
          maxBatchSize: maxPageSize,
          // Not the default microtask: a resolver may await authorization before it asks, and every
          // such continuation of the same turn belongs in the batch.
          batchScheduleFn: (dispatch) => setImmediate(dispatch),
        },
      );
      loaders.set(window, loader);
    }
    return loader.load(jobId);
  };
}

// Keyed by the request's EntityManager (one fork per request), so the batches go with the request.
const perRequest = new WeakMap<EntityManager, LoadTaskPage>();

export function taskPageLoader(ctx: { em: EntityManager }): LoadTaskPage {
  let load = perRequest.get(ctx.em);
  if (!load) perRequest.set(ctx.em, (load = createTaskPageLoader(ctx.em)));
  return load;
}
