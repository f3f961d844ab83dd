import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validate } from '@readme/openapi-parser';
import { errorCodes } from '@jabba/domain/platform';
import { httpStatus, problemType } from '../../src/platform/error-tables';
import { problemTypePaths } from '../../src/platform/problem-pages';
import { contractViolation } from '../contract';
import { createTestApi, type TestApi } from '../support';

/** Routes of the app that are not REST and so not in the document, each with why. */
const undocumented: Record<string, string> = {
  'GET /graphql': 'GraphQL: its contract is schema.graphql',
  'POST /graphql': 'GraphQL: its contract is schema.graphql',
  'GET /*': 'the console\'s files and pages',
  'GET /docs/reference.js': 'the reference\'s own starter script',
  'GET /docs/swagger-ui.css': 'the reference\'s own style (swagger-ui-dist)',
  'GET /docs/swagger-ui-bundle.js': 'the reference\'s own script (swagger-ui-dist)',
};

interface Document {
  openapi: string;
  paths: Record<string, Record<string, unknown>>;
}

describe('the REST contract', () => {
  let api: TestApi;
  let document: Document;

  beforeAll(async () => {
    api = await createTestApi();
    const response = await api.app.request('/openapi.json');
    expect(response.status).toBe(200);
    document = (await response.json()) as Document;
  });
  afterAll(() => api.close());

  it('documents every route the app registers, and no other', () => {
    const routes = new Set(api.app.routes.filter((r) => r.method !== 'ALL').map((r) => `${r.method} ${r.path}`));
    const documented = new Set(Object.entries(document.paths).flatMap(([path, operations]) =>
      Object.keys(operations).map((method) => `${method.toUpperCase()} ${path.replaceAll(/\{([^}]+)\}/g, ':$1')}`)));
    expect([...routes].filter((route) => !documented.has(route) && !(route in undocumented)), 'routes missing from /openapi.json').toEqual([]);
    expect([...documented].filter((route) => !routes.has(route)), 'documented routes the app lacks').toEqual([]);
    expect(Object.keys(undocumented).filter((route) => !routes.has(route)), 'allow-listed routes the app lacks').toEqual([]);
  });

  it('is a valid OpenAPI 3.1 document', async () => {
    expect(document.openapi).toBe('3.1.0');
    const result = await validate(structuredClone(document) as never);
    expect(result, JSON.stringify(result)).toMatchObject({ valid: true, warnings: [] });
  });

  it('documents every error status as application/problem+json with the shared Problem schema', () => {
    const wrong = Object.entries(document.paths).flatMap(([path, operations]) =>
      Object.entries(operations as Record<string, { responses: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }> }>).flatMap(([method, operation]) =>
        Object.entries(operation.responses)
          .filter(([status]) => Number(status) >= 400)
          .filter(([, response]) => response.content?.['application/problem+json']?.schema?.$ref !== '#/components/schemas/Problem')
          .map(([status]) => `${method} ${path} ${status}`)));
    expect(wrong).toEqual([]);
  });

  it('names an undocumented status, media type or body shape, and lets a documented one and non-REST routes through', async () => {
    const json = (body: unknown, status = 200, type = 'application/json') => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': type } });
    expect(await contractViolation(api.app, 'GET', '/health', json({ status: 'ok' }))).toBeNull();
    expect(await contractViolation(api.app, 'GET', '/graphql', json({ anything: true }, 418))).toBeNull();
    expect(await contractViolation(api.app, 'GET', '/health', json({ status: 'ok' }, 418))).toBe(
      'GET /health (GET /health in /openapi.json) answered 418, which the document does not list (it lists 200, 500). Body: {"status":"ok"}',
    );
    expect(await contractViolation(api.app, 'GET', '/health', json({ status: 'ok' }, 200, 'text/plain'))).toBe(
      'GET /health (GET /health in /openapi.json) answered 200 as text/plain; the document lists application/json',
    );
    expect(await contractViolation(api.app, 'GET', '/health', json({ status: 'ok', extra: 1 }))).toMatch(/^GET \/health .* answered 200 with a body its documented schema refuses: \(body\) must NOT have additional properties/);
    const problem = await contractViolation(api.app, 'GET', '/v1/jobs/x', json({ type: 'about:blank', title: 'Not Found', status: '404' }, 404, 'application/problem+json'));
    expect(problem).toMatch(/^GET \/v1\/jobs\/x \(GET \/v1\/jobs\/\{id\} in \/openapi.json\) answered 404 with a body its documented schema refuses: /);
    expect(problem).toContain("(body) must have required property 'detail'");
    expect(problem).toContain('/status must be integer');
  });

  it('serves the interactive reference and its files from this origin', async () => {
    const page = await api.app.request('/docs');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await page.text();
    expect(html).toContain('<html lang="en">');
    for (const file of ['/docs/swagger-ui.css', '/docs/swagger-ui-bundle.js', '/docs/reference.js']) {
      expect(html).toContain(`"${file}"`);
      const asset = await api.app.request(file);
      expect(asset.status, file).toBe(200);
      expect(asset.headers.get('content-security-policy')).toContain("script-src 'self'");
    }
  });

  it('serves a page for every problem type the api answers with, and 404 for others', async () => {
    const types = [...new Set([...errorCodes.map(problemType), ...problemTypePaths()])];
    expect(types).toHaveLength(errorCodes.length + 1);
    for (const type of types) {
      const response = await api.app.request(type);
      expect(response.status, type).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/html/);
      const html = await response.text();
      expect(html).toMatch(/<html lang="en">[\s\S]*<title>.+<\/title>[\s\S]*<h1>.+<\/h1>/);
      expect(html).not.toContain('<script');
    }
    const page = await (await api.app.request(problemType('NOT_FOUND'))).text();
    expect(page).toContain(`HTTP status <strong>${httpStatus.NOT_FOUND}</strong>`);
    const unknown = await api.app.request('/problems/no-such-problem');
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ type: '/problems/not-found', status: 404, detail: 'No problem type /problems/no-such-problem' });
  });
});
