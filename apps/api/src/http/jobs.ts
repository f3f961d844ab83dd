/**
 * REST for pollers and scripts: TODO(issue 3) — `/v1/jobs/{id}`, errors.csv, cancel, retry-failed.
 */
import { Hono } from 'hono';
import type { ApiDeps } from '../app';
import type { AppEnv } from './request-scope';

export function jobRoutes(deps: ApiDeps): Hono<AppEnv> {
  void deps;
  return new Hono<AppEnv>();
}
