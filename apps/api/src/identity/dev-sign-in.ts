/**
 * `POST /v1/dev/sign-in`: the development identity's token without the CLI, for the console and
 * scripts on a development machine. It makes the very identity `npm run jabba -- dev:setup` makes
 * (the same client, user, role and scopes; see development-identity.ts) and signs with the api's
 * own secret. Never registered in production: there the route does not exist (404).
 */
import { ensureDevelopmentIdentity, signDevelopmentToken } from '@jabba/domain/development-identity';
import type { ApiDeps } from '../platform/deps';
import { createRoute, documented, jsonResponse, openApiRoutes, type OpenApiRoutes, z } from '../platform/openapi';

/** A working session, not a day: long enough to work, short enough to be worth little if it leaks. */
export const devSignInTtlS = 4 * 60 * 60;

const signIn = createRoute({
  method: 'post', path: '/v1/dev/sign-in', tags: ['Identity'], summary: 'The development identity\'s token (outside production only)',
  description: 'Not registered in production, where the route does not exist.',
  responses: {
    200: jsonResponse(z.strictObject({ token: z.string().openapi({ description: 'A bearer JWT with every scope' }), expiresAt: z.string().openapi({ description: 'ISO 8601, UTC' }) }), 'Signed'),
  },
});

export function devSignInRoutes(deps: Pick<ApiDeps, 'config'>): OpenApiRoutes {
  const routes = openApiRoutes();
  if (deps.config.NODE_ENV === 'production') return routes;

  documented(routes, signIn, async (c) => {
    await ensureDevelopmentIdentity(c.var.em);
    const signed = await signDevelopmentToken(deps.config.AUTH_JWT_SECRET, devSignInTtlS);
    c.header('Cache-Control', 'no-store');
    return c.json(signed);
  });

  return routes;
}
