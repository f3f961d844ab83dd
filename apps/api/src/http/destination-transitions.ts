/**
 * TODO(issue 4): being written.
 */
import { Hono } from 'hono';
import type { ApiDeps } from '../app';
import type { AppEnv } from './request-scope';

export function destinationTransitionRoutes(deps: ApiDeps): Hono<AppEnv> {
  void deps;
  return new Hono<AppEnv>();
}
