/**
 * The contract as served: `GET /openapi.json` (OpenAPI 3.1, generated from the routes the app has
 * registered, so it cannot list a route the app lacks) and `GET /docs`, Swagger UI reading it. The
 * reference's script and style come from the swagger-ui-dist package through the api itself, not a
 * CDN: it works offline and under the console's policy (this origin's scripts and styles only;
 * Swagger UI styles elements through the CSSOM, which the policy does not govern). Its starter
 * script is a file too, since the policy allows no inline script.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { bearerAuth, createRoute, documented, openApiRoutes, type OpenApiRoutes, z } from './openapi';
import { consoleContentSecurityPolicy } from './console-files';

export type OpenApiDocument = ReturnType<OpenApiRoutes['getOpenAPI31Document']>;

const documents = new WeakMap<OpenApiRoutes, OpenApiDocument>();

/** The app's document, built once per app on first use (the app is complete by then). */
export function openApiDocument(app: OpenApiRoutes): OpenApiDocument {
  let document = documents.get(app);
  if (!document) {
    app.openAPIRegistry.registerComponent('securitySchemes', bearerAuth, {
      type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'An access token (README, "Getting a token"); /metrics takes METRICS_TOKEN instead',
    });
    document = app.getOpenAPI31Document({
      openapi: '3.1.0',
      info: {
        title: 'Jabba API',
        version: '1',
        description: 'The REST routes. Errors are RFC 9457 `application/problem+json` whose `type` is a page under `/problems/`. Not described here: `/graphql` (see schema.graphql), the console\'s files and pages, and this reference\'s own assets under `/docs/`.',
      },
    });
    documents.set(app, document);
  }
  return document;
}

const swaggerDir = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

/** The reference's files: name under /docs/ → file and media type. */
const assets: Record<string, { file: string; type: string }> = {
  'swagger-ui.css': { file: join(swaggerDir, 'swagger-ui.css'), type: 'text/css; charset=utf-8' },
  'swagger-ui-bundle.js': { file: join(swaggerDir, 'swagger-ui-bundle.js'), type: 'text/javascript; charset=utf-8' },
};

const starter = `window.addEventListener('load', () => {
  window.ui = window.SwaggerUIBundle({ url: '/openapi.json', dom_id: '#reference', deepLinking: true });
});
`;

const page = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>Jabba API reference</title>
<link rel="stylesheet" href="/docs/swagger-ui.css">
<script src="/docs/swagger-ui-bundle.js" defer></script>
<script src="/docs/reference.js" defer></script>
</head>
<body>
<main id="reference"><noscript><p>The reference needs JavaScript; the contract itself is <a href="/openapi.json">/openapi.json</a>.</p></noscript></main>
</body>
</html>
`;

const docsHeaders = (type: string, cacheControl = 'no-cache') => ({
  'Content-Type': type,
  'Content-Security-Policy': consoleContentSecurityPolicy,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': cacheControl,
});

const contract = createRoute({
  method: 'get', path: '/openapi.json', tags: ['Contract'], summary: 'This document',
  responses: { 200: { description: 'OpenAPI 3.1', content: { 'application/json': { schema: z.looseObject({ openapi: z.string() }) } } } },
});

const reference = createRoute({
  method: 'get', path: '/docs', tags: ['Contract'], summary: 'The interactive reference (Swagger UI) of this document',
  responses: { 200: { description: 'An HTML page', content: { 'text/html': { schema: z.string() } } } },
});

/** `/openapi.json`, `/docs` and its files; `app` is the whole app, whose routes the document lists. */
export function contractRoutes(app: OpenApiRoutes): OpenApiRoutes {
  const routes = openApiRoutes();
  documented(routes, contract, (c) => c.json(openApiDocument(app)));
  documented(routes, reference, (c) => c.body(page, 200, docsHeaders('text/html; charset=utf-8')));
  routes.get('/docs/reference.js', (c) => c.body(starter, 200, docsHeaders('text/javascript; charset=utf-8')));
  for (const [name, { file, type }] of Object.entries(assets)) {
    // Read once, on first use: the bundle is a megabyte and changes only with the package.
    let text: Promise<string> | undefined;
    const read = (): Promise<string> => readFile(file, 'utf8').catch((error: unknown) => {
      text = undefined;
      throw error;
    });
    routes.get(`/docs/${name}`, async (c) => c.body(await (text ??= read()), 200, docsHeaders(type, 'public, max-age=3600')));
  }
  return routes;
}
