/**
 * The REST contract (OpenAPI 3.1), built from the routes as they are registered: each route file
 * declares its route with `createRoute` (the same zod schemas its handler validates with, and its
 * responses per status) and mounts it with `documented`. The handler keeps validating by itself,
 * after authentication and with the body read up to its bound (json-body.ts), so an anonymous
 * caller learns nothing from a bad body and a large one is never buffered whole; the library's own
 * validators (which would run first and read the body unbounded) are not used, and its default hook
 * answers with our problem should a future route use them.
 *
 * Not in the document: `/graphql` (its contract is schema.graphql), the console's static files and
 * pages (`GET /*`), and the reference's own assets under `/docs/` (api-docs.ts).
 */
import { OpenAPIHono, z, type RouteConfig } from '@hono/zod-openapi';
import type { Handler } from 'hono';
import { DomainError, type InputError } from '@jabba/domain/platform';
import { reasonPhrase } from './error-tables';
import type { AppEnv } from './request-scope';

export { createRoute, z } from '@hono/zod-openapi';

export type OpenApiRoutes = OpenAPIHono<AppEnv>;

export const bearerAuth = 'bearerAuth';

/** The security requirement of every route that needs a token. */
export const needsToken = [{ [bearerAuth]: [] }];

const jsonPath = (path: readonly PropertyKey[]): string =>
  path.reduce<string>((at, key) => (typeof key === 'number' ? `${at}[${key}]` : `${at}.${String(key)}`), '$');

/** A route set whose library validation (unused today) fails as our 422 problem, never the library's JSON. */
export const openApiRoutes = (): OpenApiRoutes =>
  new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (result.success) return;
      const inputErrors: InputError[] = result.error.issues.map((issue) => ({ path: jsonPath(issue.path), message: issue.message }));
      throw new DomainError('UNPROCESSABLE_ENTITY', 'Validation failed', { inputErrors });
    },
  });

export const problemSchema = z
  .looseObject({
    type: z.string().openapi({
      description: 'The problem type: `/problems/<code>` (a page on this server saying what it means), a contractual type of a standard the error belongs to (FIT-Connect), or `about:blank` for a problem that means no more than its status. Clients switch on it.',
      example: '/problems/not-found',
    }),
    title: z.string(),
    status: z.int(),
    detail: z.string(),
    requestId: z.string().optional().openapi({ description: 'Also the X-Request-Id header: quote it when reporting a problem.' }),
    missingAllowances: z.array(z.string()).optional().openapi({ description: 'What the token lacks (403): scopes, roles or client conditions.' }),
    inputErrors: z
      .array(z.object({ path: z.string().openapi({ example: '$.status' }), message: z.string() }))
      .optional()
      .openapi({ description: 'Each bad input by its JSON path (422, 413).' }),
  })
  .openapi('Problem', { description: 'An RFC 9457 problem; other members may appear (e.g. `checks` of /ready).' });

const problemMeaning: Partial<Record<number, string>> = {
  400: 'The request is malformed (not JSON, a body cut short).',
  401: 'No token, or one that is expired, forged or not yet valid.',
  403: 'The token lacks a scope, role or client condition (`missingAllowances`).',
  404: 'No such object, or one the caller may not see.',
  409: 'A state refuses the request: the caller\'s client is not active, the object\'s state refuses the change, or the Idempotency-Key was used for another kind of job (another type, or a dry run against a real import) or by an upload still being read.',
  413: 'The body is larger than its bound.',
  415: 'The body is not a media type the route takes.',
  422: 'The input is invalid (`inputErrors` names each field) or the object refuses the change.',
  500: 'An unexpected failure: quote the request id.',
  503: 'A dependency is slow or away (Redis: refused before anything was written), or the api is at its limit of concurrent uploads: try again (`Retry-After`).',
};

/** Problem responses for `statuses`, each `application/problem+json` with the shared `Problem` schema. */
export const problems = (...statuses: number[]): RouteConfig['responses'] =>
  Object.fromEntries(statuses.map((status) => [
    status,
    { description: problemMeaning[status] ?? reasonPhrase(status), content: { 'application/problem+json': { schema: problemSchema } } },
  ]));

/** A path id: its handler turns a malformed one into the 404 of a missing object. */
export const pathParam = (name: string, what: string) =>
  z.object({ [name]: z.string().openapi({ param: { name, in: 'path' }, description: what, example: '0b6f4a8e-2c1d-4e7f-9a3b-5c6d7e8f9a0b' }) });

/** A JSON success response. */
export const jsonResponse = (schema: z.ZodType, description: string, headers?: Record<string, string>) => ({
  description,
  content: { 'application/json': { schema } },
  ...(headers ? { headers: Object.fromEntries(Object.entries(headers).map(([name, what]) => [name, { description: what, schema: { type: 'string' as const } }])) } : {}),
});

/** A JSON request body from the handler's own schema; the handler reads and validates it. */
export const jsonRequest = (schema: z.ZodType, description?: string) => ({
  body: { required: true, ...(description ? { description } : {}), content: { 'application/json': { schema } } },
});

/**
 * Registers `route` in the document and mounts `handler` at its path, without the library's
 * validators (see above). Every route may fail unexpectedly (500); every route that needs a token
 * has the identity chain's refusals: 401 (the token), 403 (a scope, role or client type) and 409
 * (a client that is not active).
 */
export function documented(routes: OpenApiRoutes, route: RouteConfig, handler: Handler<AppEnv>): void {
  const chain = route.security === needsToken ? problems(401, 403, 409) : {};
  routes.openAPIRegistry.registerPath({ ...route, responses: { ...problems(500), ...chain, ...route.responses } });
  routes.on(route.method.toUpperCase(), route.path.replaceAll(/\{(.+?)\}/g, ':$1'), handler);
}
