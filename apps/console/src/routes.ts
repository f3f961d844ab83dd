/**
 * The console's pages, one feature folder each. Pages load on demand, so the first load carries
 * the shell and the page it opens, not the whole console. The requirement is the api's identity
 * chain for reading what the page shows; the nav disables what the token cannot open.
 */
import { createElement, lazy, type ComponentType } from 'react';
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

type PageProps = { params: Record<string, string | undefined> };

/**
 * A page loaded on demand that can also be asked for early (see `preloadPageOf`). Once its code is
 * here it renders directly instead of through `lazy`: a suspended boundary is held back by React's
 * fallback throttle (300 ms) even when the code arrives sooner, which was a third of the job page's
 * first paint (measured with bench/console.ts).
 */
function lazyPage(load: () => Promise<{ default: ComponentType<PageProps> }>) {
  let loaded: ComponentType<PageProps> | null = null;
  let loading: Promise<{ default: ComponentType<PageProps> }> | null = null;
  const start = () =>
    (loading ??= load().then((module) => {
      loaded = module.default;
      return module;
    }));
  const Lazy = lazy(start);
  const Page = (props: PageProps) => createElement(loaded ?? Lazy, props);
  return Object.assign(Page, { preload: () => void start() });
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
