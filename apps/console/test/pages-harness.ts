/**
 * Just enough harness for the merge review, catalog, destinations and queues browser tests, until
 * the shared one (test/support/, branch console-core) lands: the built console served by a real api
 * process, one real worker, a fresh database, Debian's Chromium through playwright-core, a page
 * signed in by putting the token where the console keeps it (sessionStorage), axe-core, and
 * screenshots. One platform and one browser per test file.
 */
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import AxeBuilder from '@axe-core/playwright';
import { chromium, type Browser, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { createPlatform, type Platform, type PlatformClient } from '#test/platform';
import { ensureConsoleBuilt } from '../../../scripts/lib/console-build';

const screenshots = fileURLToPath(new URL('./screenshots/', import.meta.url));

export interface ConsoleHarness {
  platform: Platform;
  baseUrl: string;
  browser: Browser;
  client: PlatformClient;
  /** A new page of its own context, signed in with `token`, at `path` once the shell has rendered. */
  open(path: string, token: string): Promise<Page>;
  close(): Promise<void>;
}

export async function startConsole({ workers = ['pages-worker'] as readonly string[], workerEnv = {} as Record<string, string> } = {}): Promise<ConsoleHarness> {
  await ensureConsoleBuilt();
  const platform = await createPlatform({ poolSize: 2 });
  try {
    const running = await platform.start({ workers, workerEnv });
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
    const client = await platform.nhsClient('Console test clinic');
    return {
      platform,
      baseUrl: running.baseUrl,
      browser,
      client,
      async open(path, token) {
        const context = await browser.newContext({ baseURL: running.baseUrl, locale: 'en-GB', viewport: { width: 1280, height: 900 } });
        await context.addInitScript((t) => {
          sessionStorage.setItem('jabba.token', t);
          localStorage.setItem('jabba.locale', 'en');
        }, token);
        const page = await context.newPage();
        await page.goto(path);
        await page.getByRole('navigation', { name: 'Main' }).waitFor();
        return page;
      },
      async close() {
        await browser.close();
        await platform.stop();
      },
    };
  } catch (error) {
    await platform.stop();
    throw error;
  }
}

/** A user of the harness client holding `roles`, with a token of `scopes`. */
export async function userWith(h: ConsoleHarness, scopes: string[], roles: string[] = []): Promise<{ userId: string; token: string }> {
  const userId = randomUUID();
  for (const role of roles) await h.platform.sql('insert into user_roles (user_id, client_id, role) values (?, ?, ?)', [userId, h.client.id, role]);
  return { userId, token: await h.client.token(scopes, userId) };
}

/** axe-core on the page as it is now: no serious or critical violation. */
export async function checkAccessibility(page: Page): Promise<void> {
  const { violations } = await new AxeBuilder({ page }).analyze();
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(bad.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(' ')) }))).toEqual([]);
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(screenshots, { recursive: true });
  await page.screenshot({ path: `${screenshots}${name}.png`, fullPage: true });
}
