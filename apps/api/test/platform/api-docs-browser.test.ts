/**
 * /docs in a real browser, under its Content-Security-Policy: Swagger UI loads from this origin,
 * renders every operation of /openapi.json, and the policy refuses nothing it does.
 */
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type TestApi } from '../support';

describe('the API reference in a browser', () => {
  let api: TestApi;
  let server: ServerType;
  let browser: Browser;
  let origin: string;

  beforeAll(async () => {
    api = await createTestApi();
    server = serve({ fetch: api.app.fetch, port: 0, hostname: '127.0.0.1' });
    await new Promise((resolve) => server.once('listening', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  });

  afterAll(async () => {
    await browser.close();
    await new Promise((resolve) => server.close(resolve));
    await api.close();
  });

  it('renders every operation of /openapi.json with nothing refused', async () => {
    const document = (await (await fetch(`${origin}/openapi.json`)).json()) as { paths: Record<string, object> };
    const operations = Object.values(document.paths).reduce((n, path) => n + Object.keys(path).length, 0);
    const page = await browser.newPage();
    const refused: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') refused.push(message.text());
    });
    page.on('pageerror', (error) => refused.push(error.message));
    await page.goto(`${origin}/docs`);
    await expect.poll(() => page.locator('.opblock').count(), { timeout: 10_000 }).toBe(operations);
    await page.locator('.opblock-summary-path', { hasText: /^\/v1\/jobs\/\{id\}$/ }).first().click();
    await expect.poll(() => page.getByText('its Relay global id', { exact: false }).count()).toBeGreaterThan(0);
    expect(await page.title()).toBe('Jabba API reference');
    expect(refused).toEqual([]);
  });
});
