/**
 * `POST /v1/device-registry-jobs`: TODO(issue 3) — streaming CSV upload.
 */
import { Hono } from 'hono';
import type { ApiDeps } from '../app';
import type { AppEnv } from './request-scope';

export function deviceRegistryRoutes(deps: ApiDeps): Hono<AppEnv> {
  void deps;
  return new Hono<AppEnv>();
}
