/**
 * The console as a user meets it, for browser tests: the built console (rebuilt first if its
 * source changed, once per run for all test files), a real api process serving it on a free port
 * against a fresh database and Redis prefix, a real worker when the flow runs jobs, and Debian's
 * Chromium driven by playwright-core. One per test file: start it in beforeAll, stop it in
 * afterAll, and open as many pages as the file needs.
 *
 *   let ui: TestConsole;
 *   beforeAll(async () => { ui = await startConsole({ worker: true }); });
 *   afterAll(() => ui.stop());
 *
 *   const who = await ui.identity({ scopes: ['device_registry_job:read'] });
 *   const page = await ui.signedInPage(who, '/jobs');
 *   await checkAccessibility(page);
 *   await screenshot(page, 'jobs');
 */
import { randomUUID } from 'node:crypto';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { addUserRole, developmentJwtSecret, signAccessToken, upsertClient, type ClientStatus, type ClientType } from '@jabba/domain/identity';
import { createPlatform, type Platform } from '#test/platform';
import { ensureConsoleBuilt } from '../../../../scripts/lib/console-build';

export const chromiumPath = '/usr/bin/chromium';

export interface ConsoleOptions {
  /** Starts one worker process too, for flows whose jobs must run. */
  worker?: boolean;
  /** Extra environment for the api, e.g. `{ IMPORT_MAX_BYTES: '1000' }`. */
  apiEnv?: Record<string, string>;
  workerEnv?: Record<string, string>;
}

export interface IdentityOptions {
  scopes?: string[];
  roles?: string[];
  clientName?: string;
  clientType?: ClientType;
  clientStatus?: ClientStatus;
  isBlocked?: boolean;
  /** Token lifetime in seconds (negative: already expired). */
  ttl?: number;
}

/** A user of a client of their own, with a token the api accepts. */
export interface Identity {
  token: string;
  userId: string;
  clientId: string;
  clientName: string;
  scopes: string[];
}

export interface TestConsole {
  /** Where the api (and the console) listens, e.g. `http://127.0.0.1:41234`. */
  baseUrl: string;
  platform: Platform;
  browser: Browser;
  /** Inserts a client (NHS, ACTIVE, not blocked unless told) and the user's roles, and signs a token. */
  identity(options?: IdentityOptions): Promise<Identity>;
  /** A page of a fresh browser context (its own session storage), not signed in, at `path`. */
  page(path?: string): Promise<Page>;
  /**
   * A page signed in and showing the shell at `path`: as `who` (its token is put in the tab's
   * session storage as the sign-in form would), or as the development user through the sign-in
   * page's button (`'dev'`).
   */
  signedInPage(who: Identity | 'dev', path?: string): Promise<Page>;
  /** The api's GraphQL over HTTP, as `token`. */
  graphql<T = Record<string, unknown>>(token: string, query: string, variables?: Record<string, unknown>): Promise<{ data?: T; errors?: { message: string; extensions?: Record<string, unknown> }[] }>;
  /** Closes the browser, stops the processes and drops the database. */
  stop(): Promise<void>;
}

const pageErrors = new WeakMap<Page, string[]>();

/** Uncaught exceptions and console errors (a CSP violation is one; an HTTP error status is not) the page reported so far. */
export const errorsOf = (page: Page): string[] => pageErrors.get(page) ?? [];

function watchErrors(page: Page): void {
  const errors: string[] = [];
  pageErrors.set(page, errors);
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    // Chromium logs every 4xx/5xx response as an error; a refusal is the api's answer, which tests check themselves.
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) errors.push(`console: ${message.text()}`);
  });
}

export async function startConsole(options: ConsoleOptions = {}): Promise<TestConsole> {
  await ensureConsoleBuilt();
  const platform = await createPlatform({ poolSize: 2 });
  const contexts: BrowserContext[] = [];
  let browser: Browser | null = null;
  try {
    const [running, launched] = await Promise.all([
      platform.start({ workers: options.worker ? ['console-worker'] : [], apiEnv: options.apiEnv ?? {}, workerEnv: options.workerEnv ?? {} }),
      chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] }),
    ]);
    browser = launched;
    const { baseUrl } = running;

    const newPage = async (init?: string): Promise<Page> => {
      // en-GB and a fixed zone: the console's words and dates are the same on every machine.
      const context = await launched.newContext({ baseURL: baseUrl, locale: 'en-GB', timezoneId: 'UTC', viewport: { width: 1280, height: 900 }, acceptDownloads: true });
      contexts.push(context);
      if (init) await context.addInitScript({ content: init });
      const page = await context.newPage();
      watchErrors(page);
      return page;
    };

    const signedInShell = (page: Page) => page.getByRole('button', { name: 'Sign out' }).waitFor();

    return {
      baseUrl,
      platform,
      browser: launched,
      async identity({ scopes = [], roles = [], clientName = 'Test clinic', clientType = 'NHS', clientStatus = 'ACTIVE', isBlocked = false, ttl } = {}) {
        const userId = randomUUID();
        const client = await upsertClient(platform.orm.em.fork(), { id: randomUUID(), name: clientName, type: clientType, status: clientStatus, isBlocked });
        for (const role of roles) await addUserRole(platform.orm.em.fork(), userId, client.id, role);
        const token = await signAccessToken(developmentJwtSecret, { userId, clientId: client.id, scopes, ...(ttl === undefined ? {} : { ttl }) });
        return { token, userId, clientId: client.id, clientName, scopes };
      },
      async page(path = '/') {
        const page = await newPage();
        await page.goto(path);
        return page;
      },
      async signedInPage(who, path = '/') {
        if (who === 'dev') {
          const page = await newPage();
          await page.goto(path);
          await page.getByRole('button', { name: 'Sign in as the development user' }).click();
          await signedInShell(page);
          return page;
        }
        // Once per tab, as a sign-in would: a later sign-out in the test stays signed out.
        const seed = `if (!sessionStorage.getItem('jabba.test.seeded')) { sessionStorage.setItem('jabba.test.seeded', '1'); sessionStorage.setItem('jabba.token', ${JSON.stringify(who.token)}); }`;
        const page = await newPage(seed);
        await page.goto(path);
        await signedInShell(page);
        return page;
      },
      async graphql(token, query, variables) {
        const response = await fetch(`${baseUrl}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({ query, variables }),
        });
        return (await response.json()) as never;
      },
      async stop() {
        for (const context of contexts) await context.close();
        await launched.close();
        await platform.stop();
      },
    };
  } catch (error) {
    await browser?.close();
    await platform.stop();
    throw error;
  }
}
