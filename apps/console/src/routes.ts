/**
 * The console's pages, one feature folder each. Pages load on demand, so the first load carries
 * the shell and the page it opens, not the whole console. The requirement is the api's identity
 * chain for reading what the page shows; the nav disables what the token cannot open.
 */
import { lazy, type ComponentType } from 'react';
import type { Requirement } from './platform/access';
import type { platformMessages } from './platform/messages';
import { importsAccess } from './imports/access';
import { jobsAccess } from './jobs/access';
import { mergeReviewAccess } from './merge-review/access';
import { catalogAccess } from './service-catalog/access';
import { destinationsAccess } from './destinations/access';
import { queuesAccess } from './queues/access';

export interface ConsoleRoute {
  path: string;
  /** In the main navigation, under this label. */
  nav?: keyof (typeof platformMessages)['en'];
  requirement: Requirement;
  page: ComponentType<{ params: Record<string, string | undefined> }> & { preload?: () => void };
}

/** A page loaded on demand that can also be asked for early (see `preloadPageOf`). */
function lazyPage(load: () => Promise<{ default: ComponentType<{ params: Record<string, string | undefined> }> }>) {
  return Object.assign(lazy(load), { preload: () => void load() });
}

export const routes: readonly ConsoleRoute[] = [
  { path: '/imports', nav: 'navImports', requirement: importsAccess.upload, page: lazyPage(() => import('./imports/imports-page')) },
  { path: '/jobs', nav: 'navJobs', requirement: jobsAccess.read, page: lazyPage(() => import('./jobs/jobs-page')) },
  { path: '/jobs/:id', requirement: jobsAccess.read, page: lazyPage(() => import('./jobs/job-page')) },
  { path: '/merge-review', nav: 'navMergeReview', requirement: mergeReviewAccess.read, page: lazyPage(() => import('./merge-review/merge-review-page')) },
  { path: '/catalog', nav: 'navCatalog', requirement: catalogAccess.read, page: lazyPage(() => import('./service-catalog/catalog-page')) },
  { path: '/destinations', nav: 'navDestinations', requirement: destinationsAccess.read, page: lazyPage(() => import('./destinations/destinations-page')) },
  { path: '/queues', nav: 'navQueues', requirement: queuesAccess.read, page: lazyPage(() => import('./queues/queues-page')) },
];

const matches = (pattern: string, path: string): boolean =>
  new RegExp(`^${pattern.replace(/:[^/]+/g, '[^/]+')}/?$`).test(path);

/**
 * Starts loading the page of `path` now: a signed-in tab opened at an address would otherwise
 * fetch the page's code only after the viewer query answered, one round trip after the other.
 */
export function preloadPageOf(path: string): void {
  routes.find((route) => matches(route.path, path))?.page.preload?.();
}
