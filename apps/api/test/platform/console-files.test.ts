/**
 * The console's files at `/` (platform/console-files.ts), against a small stand-in build in a
 * temporary directory: content types, caching, the single-page fallback, the API paths that never
 * fall back, the Content-Security-Policy, and the 503 while no build exists.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleContentSecurityPolicy, hashedAssetCacheControl } from '../../src/platform/console-files';
import { createTestApi, type TestApi } from '../support';

const indexHtml = '<!doctype html><html><head><script type="module" src="/assets/index-AbC123.js"></script></head><body><div id="root"></div></body></html>';
const html = { Accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };

describe('the console at /', () => {
  let dist: string;
  let api: TestApi;
  let unbuilt: TestApi;

  beforeAll(async () => {
    dist = await mkdtemp(join(tmpdir(), 'jabba-console-'));
    await mkdir(join(dist, 'assets'));
    await writeFile(join(dist, 'index.html'), indexHtml);
    await writeFile(join(dist, 'assets', 'index-AbC123.js'), 'console.log(1);');
    await writeFile(join(dist, 'assets', 'index-AbC123.css'), 'body{}');
    await writeFile(join(dist, 'robots.txt'), 'User-agent: *\n');
    api = await createTestApi({ env: { CONSOLE_DIST_DIR: dist } });
    unbuilt = await createTestApi({ env: { CONSOLE_DIST_DIR: join(dist, 'not-built') } });
  });

  afterAll(async () => {
    await api.close();
    await unbuilt.close();
    await rm(dist, { recursive: true, force: true });
  });

  it('serves index.html at / uncached, under the strict policy', async () => {
    const response = await api.app.request('/', { headers: html });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-cache');
    expect(response.headers.get('content-security-policy')).toBe(consoleContentSecurityPolicy);
    expect(consoleContentSecurityPolicy).toContain("default-src 'self'");
    expect(consoleContentSecurityPolicy).toContain("frame-ancestors 'none'");
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await response.text()).toBe(indexHtml);
  });

  it('serves hashed assets with their content type, cached for a year', async () => {
    const script = await api.app.request('/assets/index-AbC123.js');
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(script.headers.get('cache-control')).toBe(hashedAssetCacheControl);
    expect(await script.text()).toBe('console.log(1);');
    const style = await api.app.request('/assets/index-AbC123.css');
    expect(style.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect(style.headers.get('cache-control')).toBe(hashedAssetCacheControl);
    const other = await api.app.request('/robots.txt');
    expect([other.status, other.headers.get('cache-control')]).toEqual([200, 'no-cache']);
  });

  it('answers a page address of the console (a reload of /jobs/…) with index.html', async () => {
    for (const path of ['/jobs', '/jobs/7f0c0000-0000-4000-8000-000000000000', '/imports']) {
      const response = await api.app.request(path, { headers: html });
      expect([path, response.status, response.headers.get('cache-control')]).toEqual([path, 200, 'no-cache']);
      expect(await response.text()).toBe(indexHtml);
    }
  });

  it('does not fall back for a missing file, a non-GET, an asset or a request that wants no HTML', async () => {
    const cases: [string, RequestInit][] = [
      ['/missing.js', { headers: { Accept: '*/*' } }],
      ['/assets/index-Gone99.js', { headers: html }],
      ['/jobs', { method: 'POST', headers: html }],
      ['/assets/..%2f..%2fpackage.json', { headers: html }],
    ];
    for (const [path, init] of cases) {
      const response = await api.app.request(path, init);
      expect([path, response.status, response.headers.get('content-type')]).toEqual([path, 404, 'application/problem+json']);
    }
  });

  it('never answers an API path with the console', async () => {
    for (const path of ['/v1', '/v1/unknown', '/health/x', '/ready/x', '/graphql/x']) {
      const response = await api.app.request(path, { headers: html });
      expect([path, response.status]).toEqual([path, 404]);
      expect(await response.json()).toMatchObject({ status: 404, detail: `No route for GET ${path}` });
    }
    expect((await api.app.request('/health', { headers: html })).headers.get('content-type')).toMatch(/^application\/json/);
  });

  it('says the console is not built with a 503 while the APIs go on working', async () => {
    for (const path of ['/', '/jobs', '/assets/index-AbC123.js']) {
      const response = await unbuilt.app.request(path, { headers: html });
      expect([path, response.status, response.headers.get('content-type')]).toEqual([path, 503, 'text/plain; charset=UTF-8']);
      expect(await response.text()).toBe(`The console is not built: ${join(dist, 'not-built', 'index.html')} is missing. Run \`npm run build:console\` (npm start does it for you).\n`);
    }
    expect((await unbuilt.app.request('/health')).status).toBe(200);
    expect((await unbuilt.app.request('/v1/unknown', { headers: html })).status).toBe(404);
  });
});
