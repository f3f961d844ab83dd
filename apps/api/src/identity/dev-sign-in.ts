/**
 * `POST /v1/dev/sign-in`: the development identity's token without the CLI, for the console and
 * scripts on a development machine. It makes the very identity `npm run jabba -- dev:setup` makes
 * (the same client, user, role and scopes; see development-identity.ts) and signs with the api's
 * own secret. Never registered in production: there the route does not exist (404).
 */
import { Hono } from 'hono';
import { ensureDevelopmentIdentity, signDevelopmentToken } from '@jabba/domain/development-identity';
import type { ApiDeps } from '../platform/deps';
import type { AppEnv } from '../platform/request-scope';

/** A working session, not a day: long enough to work, short enough to be worth little if it leaks. */
export const devSignInTtlS = 4 * 60 * 60;

export function devSignInRoutes(deps: Pick<ApiDeps, 'config'>): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  if (deps.config.NODE_ENV === 'production') return routes;

  routes.post('/v1/dev/sign-in', async (c) => {
    await ensureDevelopmentIdentity(c.var.em);
    const signed = await signDevelopmentToken(deps.config.AUTH_JWT_SECRET, devSignInTtlS);
    c.header('Cache-Control', 'no-store');
    return c.json(signed);
  });

  return routes;
}
