/**
 * The console's core flows in Chromium against a real api and worker: signing in, importing a
 * device registry file and following its job to the failed lines, downloading their report,
 * retrying them, and cancelling a long job. One api, one worker and one browser for the file.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { messages } from '@jabba/domain/identity';
import { errorsOf, startConsole, type Identity, type TestConsole } from './support/console';
import { checkAccessibility, screenshot } from './support/page-checks';
import { registryCsv, registryHeader, unqueuedRegistryJob } from './support/registry-csv';

const importer = ['device_registry:write', 'device_registry_job:read'];
const progressOf = (page: Page, name: string) => page.getByRole('progressbar', { name });
const stat = (page: Page, key: string) => page.locator(`[data-stat="${key}"] dd`);

describe('the console: sign-in, imports and jobs', () => {
  let ui: TestConsole;

  beforeAll(async () => {
    // No reconciler pass during the file: the unqueued job below must stay unrun until cancelled.
    ui = await startConsole({ worker: true, workerEnv: { RECONCILE_EVERY_MS: '3600000' } });
  }, 60_000);
  afterAll(() => ui?.stop());

  describe('sign-in', () => {
    it('signs in with the development button and lands on the jobs page', async () => {
      const page = await ui.page('/');
      await expect(page.getByRole('heading', { name: 'Sign in' }).isVisible()).resolves.toBe(true);
      await checkAccessibility(page);
      await screenshot(page, 'sign-in');
      await page.getByRole('button', { name: 'Sign in as the development user' }).click();
      await page.getByText('Signed in as Development NHS client').waitFor();
      await page.getByRole('heading', { name: 'Jobs' }).waitFor();
      expect(new URL(page.url()).pathname).toBe('/jobs');
      expect(errorsOf(page)).toEqual([]);
    });

    it('signs in with a pasted token, and shows the api’s words for a refused one', async () => {
      const who = await ui.identity({ scopes: importer, clientName: 'Kyiv clinic' });
      const page = await ui.page('/');
      await page.getByLabel('Bearer token').fill('not-a-token');
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      const refusal = page.getByRole('alert');
      await refusal.waitFor();
      expect(await refusal.innerText()).toContain(`The api refused this token: ${messages.invalidToken}`);
      await screenshot(page, 'sign-in-refused');

      await page.getByLabel('Bearer token').fill(`Bearer ${who.token}`);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await page.getByText('Signed in as Kyiv clinic').waitFor();
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    });
  });

  describe('an import of 1,000 lines, 3 of them bad', () => {
    let who: Identity;
    let page: Page;
    const file = registryCsv(1000, [17, 500, 998]);

    beforeAll(async () => {
      who = await ui.identity({ scopes: importer });
      page = await ui.signedInPage(who, '/imports');
    });

    it('shows the api’s refusal of a file in its words, naming the column', async () => {
      await page.getByRole('heading', { name: 'Import a device registry' }).waitFor();
      await page.getByLabel('Reason').fill('Quarterly update');
      const withoutModel = file.csv.replace(',model_number,', ',model_numbr,');
      await page.getByLabel('choose a file').setInputFiles({ name: 'bad-header.csv', mimeType: 'text/csv', buffer: Buffer.from(withoutModel) });
      await page.getByRole('button', { name: 'Upload' }).click();
      const refusal = page.getByRole('alert');
      await refusal.waitFor();
      const text = await refusal.innerText();
      expect(text).toMatch(/^The api refused the file/);
      expect(text).toContain('model_number');
      expect(text).toContain('model_numbr');
      expect(new URL(page.url()).pathname).toBe('/imports');
      await checkAccessibility(page);
      await screenshot(page, 'imports-refused');
    });

    it('uploads with a progress bar of the bytes sent, then opens the job page', async () => {
      await page.getByLabel('choose a file').setInputFiles({ name: 'devices.csv', mimeType: 'text/csv', buffer: Buffer.from(file.csv) });
      await page.getByText(/^devices\.csv \(\d/).waitFor();
      await screenshot(page, 'imports');
      // Slow the upload down so the bar is seen moving: ~150 KB at 300 KB/s.
      const cdp = await page.context().newCDPSession(page);
      await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 300 * 1024 });
      await page.getByRole('button', { name: 'Upload' }).click();
      const bar = progressOf(page, 'Upload progress');
      await expect.poll(async () => Number(await bar.getAttribute('aria-valuenow')), { timeout: 5000 }).toBeGreaterThan(0);
      await page.waitForURL(/\/jobs\/[0-9a-f-]{36}$/);
      await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    });

    it('follows the job live to 100 %, then shows the 3 failed lines with their bad cells', async () => {
      const bar = progressOf(page, 'Job progress');
      await expect.poll(async () => bar.getAttribute('aria-valuenow'), { timeout: 15_000 }).toBe('100');
      await page.getByRole('heading', { name: /Device registry import\s+Failed/ }).waitFor();
      expect(await stat(page, 'processed').innerText()).toBe('997');
      expect(await stat(page, 'failed').innerText()).toBe('3');
      expect(await stat(page, 'throughput').innerText()).toMatch(/^[\d,]+ lines\/s$/);

      await page.getByLabel('Show tasks').selectOption('FAILED');
      const rows = page.locator('table.tasks tbody tr');
      await expect.poll(() => rows.count()).toBe(3);
      for (const [i, { line, record }] of file.bad.entries()) {
        const row = rows.nth(i);
        expect(await row.locator('th').innerText()).toBe(String(line));
        const bad = row.locator('[data-bad="true"]');
        expect(await bad.count()).toBe(1);
        expect(await bad.getAttribute('data-column')).toBe(record.column);
        expect(await bad.locator('dd').innerText()).toBe(record.value);
        expect(await row.locator('td').nth(2).innerText()).toContain(`Line ${line}`);
      }
      const problems = page.locator('ul.field-problems');
      expect(await problems.nth(0).innerText()).toBe('packaging_count: must be a whole number from 1 to 2147483647 — 0');
      expect(await problems.nth(1).innerText()).toBe('is_active: must be true or false — maybe');
      expect(await problems.nth(2).innerText()).toBe('manufacturer_country: is not a code of the dictionary — XX');
      await checkAccessibility(page);
      await screenshot(page, 'job-failed-rows');

      await page.getByLabel('Language').selectOption('uk');
      await page.getByText('packaging_count: має бути цілим числом від 1 до 2147483647 — 0').waitFor();
      await screenshot(page, 'job-failed-rows-uk');
      await page.getByLabel('Мова').selectOption('en');
    });

    it('downloads errors.csv with the failed records', async () => {
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download errors.csv' }).click()]);
      expect(download.suggestedFilename()).toMatch(/^[0-9a-f-]{36}-errors\.csv$/);
      const lines = (await readFile(await download.path(), 'utf8')).trimEnd().split('\r\n');
      expect(lines[0]).toBe(`csv_data_line,error_code,error_message,${registryHeader}`);
      expect(lines.slice(1).map((l) => l.split(',')[0])).toEqual(file.bad.map((b) => String(b.line)));
      expect(lines.slice(1).every((l) => l.split(',')[1] === 'VALIDATION_ERROR')).toBe(true);
    });

    it('retries the failed tasks, which fail again with the same lines', async () => {
      const jobId = new URL(page.url()).pathname.split('/')[2]!;
      const before = await (await fetch(`${ui.baseUrl}/v1/jobs/${jobId}`, { headers: { authorization: `Bearer ${who.token}` } })).json() as { updatedAt: string };
      await page.getByRole('button', { name: 'Retry failed tasks' }).click();
      await page.getByText('The failed tasks run again.').waitFor();
      await expect.poll(async () => {
        const now = await (await fetch(`${ui.baseUrl}/v1/jobs/${jobId}`, { headers: { authorization: `Bearer ${who.token}` } })).json() as { status: string; updatedAt: string; progress: { failed: number } };
        return now.updatedAt !== before.updatedAt && now.status === 'FAILED' ? now.progress.failed : null;
      }, { timeout: 10_000 }).toBe(3);
      await expect.poll(() => stat(page, 'failed').innerText(), { timeout: 5000 }).toBe('3');
      expect(errorsOf(page)).toEqual([]);
    });
  });

  describe('a dry run', () => {
    it('checks a file without importing it, and the job page says so', async () => {
      const who = await ui.identity({ scopes: importer });
      const page = await ui.signedInPage(who, '/imports');
      await page.getByLabel('Reason').fill('Check before the import');
      await page.getByLabel('Dry run: only check the file').check();
      await page.getByLabel('choose a file').setInputFiles({ name: 'devices.csv', mimeType: 'text/csv', buffer: Buffer.from(registryCsv(20, [5]).csv) });
      await page.getByRole('button', { name: 'Upload' }).click();
      await page.waitForURL(/\/jobs\/[0-9a-f-]{36}$/);
      await page.getByRole('heading', { name: /Device registry import\s+Failed/ }).waitFor();
      expect(await page.locator('[data-meta="dry-run"]').innerText()).toBe('yes: the lines were only checked, no device was created');
      expect(await stat(page, 'processed').innerText()).toBe('19');
      const jobId = new URL(page.url()).pathname.split('/')[2]!;
      const job = await (await fetch(`${ui.baseUrl}/v1/jobs/${jobId}`, { headers: { authorization: `Bearer ${who.token}` } })).json() as { meta: Record<string, unknown> };
      expect(job.meta).toMatchObject({ reasonDescription: 'Check before the import', dryRun: true });
      await checkAccessibility(page);
      expect(errorsOf(page)).toEqual([]);
    });
  });

  describe('a long job', () => {
    it('is listed as running, and cancelling it (confirmed) aborts what has not run', async () => {
      const who = await ui.identity({ scopes: importer });
      const jobId = await unqueuedRegistryJob(ui.platform.orm.em.fork(), who.clientId, 5_000);
      const page = await ui.signedInPage(who, '/jobs');
      const row = page.getByRole('row', { name: /Device registry import/ });
      await row.waitFor();
      expect(await row.getByRole('progressbar').getAttribute('aria-valuenow')).toBe('0');
      expect(await row.innerText()).toContain('Running');
      await checkAccessibility(page);
      await screenshot(page, 'jobs');

      await row.getByRole('link').click();
      await page.waitForURL(`**/jobs/${jobId}`);
      await page.getByRole('heading', { name: /Device registry import\s+Running/ }).waitFor();
      expect(await stat(page, 'pending').innerText()).toBe('5,000');
      await page.getByRole('button', { name: 'Cancel job…' }).click();
      const dialog = page.getByRole('dialog', { name: 'Cancel this job?' });
      await dialog.waitFor();
      await checkAccessibility(page);
      await screenshot(page, 'job-cancel-dialog');
      await dialog.getByRole('button', { name: 'Yes, cancel the job' }).click();

      await page.getByRole('heading', { name: /Device registry import\s+Failed/ }).waitFor();
      await expect.poll(() => stat(page, 'aborted').innerText()).toBe('5,000');
      expect(await page.getByRole('button', { name: 'Cancel job…' }).isDisabled()).toBe(true);
      const job = await (await fetch(`${ui.baseUrl}/v1/jobs/${jobId}`, { headers: { authorization: `Bearer ${who.token}` } })).json() as { status: string; tasks: { aborted: number; new: number } };
      expect({ status: job.status, aborted: job.tasks.aborted, new: job.tasks.new }).toEqual({ status: 'FAILED', aborted: 5_000, new: 0 });
      await page.getByLabel('Show tasks').selectOption('ABORTED');
      await expect.poll(() => page.locator('table.tasks tbody tr').count()).toBe(50);
      await screenshot(page, 'job-cancelled');
      expect(errorsOf(page)).toEqual([]);
    });
  });
}, 60_000);
