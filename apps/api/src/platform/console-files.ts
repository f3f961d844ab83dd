/**
 * The console (apps/console, built by Vite into CONSOLE_DIST_DIR) served at `/`, beside the APIs,
 * so the browser talks to one origin and the console needs no CORS and no address of its own.
 *
 * - `/assets/*` are content-hashed by Vite: a new build has new names, so they may be cached for a
 *   year; everything else (index.html above all) is `no-cache`, so a deploy is seen at once.
 * - A GET of an unknown non-API path that accepts HTML is the single-page app's own address
 *   (`/jobs/…` after a reload): it gets index.html. The API paths never fall back: an unknown
 *   `/v1/…` stays a 404 problem, which a client can read.
 * - The console's pages carry a strict Content-Security-Policy: only its own scripts, styles and
 *   connections, no inline script, no framing. React's `style={…}` goes through the CSSOM, which
 *   the policy does not govern, so `style-src 'self'` holds.
 * - The build is looked for at every request rather than once at start, so `npm run build:console`
 *   works without restarting the api; while it is missing the console's paths answer 503 in words.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Hono, type MiddlewareHandler } from 'hono';
import { serveStatic } from '@hono/node-server/serve-static';
import type { AppEnv } from './request-scope';

/** Paths the APIs own: never a console file, never the fallback page. */
export const apiPathPrefixes = ['/graphql', '/v1', '/health', '/ready', '/openapi.json', '/docs', '/problems'] as const;

export const isApiPath = (path: string): boolean => apiPathPrefixes.some((prefix) => path === prefix || path.startsWith(`${prefix}/`));

export const consoleContentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  // index.html's empty favicon is a data: URL (it spares a request for /favicon.ico).
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export const hashedAssetCacheControl = 'public, max-age=31536000, immutable';

const secureHeaders = (cacheControl: string): Record<string, string> => ({
  'Content-Security-Policy': consoleContentSecurityPolicy,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': cacheControl,
});

const isFile = async (path: string): Promise<boolean> => {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
};

export function consoleRoutes(distDir: string): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  const indexFile = join(distDir, 'index.html');

  const guard: MiddlewareHandler<AppEnv> = async (c, next) => {
    if (isApiPath(c.req.path)) return next();
    if (!(await isFile(indexFile))) {
      return c.text(`The console is not built: ${indexFile} is missing. Run \`npm run build:console\` (npm start does it for you).\n`, 503, {
        'Cache-Control': 'no-store',
        'Retry-After': '30',
      });
    }
    return next();
  };

  // serveStatic builds its response before its onFound hook runs, so the headers go on the result;
  // a missing file passes on (to the fallback) without them, so no 404 is ever cached for a year.
  // It is made per request, after the guard found the build: made once at start without a build,
  // it would print an error of its own (not a log line) although the build may come later.
  const files: MiddlewareHandler<AppEnv> = async (c, next) => {
    if (isApiPath(c.req.path)) return next();
    const response = await serveStatic<AppEnv>({ root: distDir })(c, next);
    if (!(response instanceof Response)) return response;
    const headers = secureHeaders(c.req.path.startsWith('/assets/') ? hashedAssetCacheControl : 'no-cache');
    for (const [name, value] of Object.entries(headers)) response.headers.set(name, value);
    return response;
  };

  const fallback: MiddlewareHandler<AppEnv> = async (c, next) => {
    const wantsPage = c.req.header('Accept')?.includes('text/html') ?? false;
    if (isApiPath(c.req.path) || c.req.path.startsWith('/assets/') || !wantsPage) return next();
    return c.html(await readFile(indexFile, 'utf8'), 200, secureHeaders('no-cache'));
  };

  // The guard runs first so an API path passes through untouched (to the not-found problem).
  routes.get('*', guard, files, fallback);
  return routes;
}
