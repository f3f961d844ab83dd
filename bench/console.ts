/**
 * How fast the console's job page shows the first page of tasks of a 1,000,000-task job. The job
 * is seeded with set-based SQL (one INSERT … SELECT from generate_series; 3 % of the records failed
 * with their fields), the real api serves the built console, and Chromium opens `/jobs/{id}`: the
 * time from navigation start to the 50th task row in the table, cold (nothing cached) and warm
 * (scripts cached, as on a second visit), then the failed-task filter and the next page.
 * The baseline is the page's own GraphQL query sent by fetch from Node: the least any page could
 * take to show those rows.
 *
 *   npm run bench:console [-- --tasks 1000000 --runs 5]
 */
import { parseArgs } from 'node:util';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { chromium } from 'playwright-core';
import { developmentJwtSecret, signAccessToken } from '@jabba/domain/identity';
import { deviceRegistryJob } from '@jabba/domain/device-registry';
import { ensureConsoleBuilt } from '../scripts/lib/console-build';
import { migrateDatabase } from '../scripts/lib/database';
import { ensureServices } from '../scripts/lib/services';
import { startApp } from '../test/support/process';

const { values } = parseArgs({ options: { tasks: { type: 'string', default: '1000000' }, runs: { type: 'string', default: '5' } } });
const tasks = Number(values.tasks);
const runs = Number(values.runs);
const badEvery = 33;
const server = process.env.BENCH_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432';
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const databaseUrl = `${server}/jabba_bench_console`;
const say = (line: string) => process.stdout.write(`${line}\n`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ms = (x: number) => `${x.toFixed(0)} ms`;

const header = 'external_id,classification_type,manufacturer_name,manufacturer_country,model_number,packaging_type,packaging_count,packaging_unit,is_active,device_names.name,device_names.type';

await ensureServices({ databaseUrl: `${server}/postgres`, redisUrl });
const admin = new pg.Client({ connectionString: `${server}/postgres` });
await admin.connect();
await admin.query('drop database if exists jabba_bench_console with (force)');
await admin.end();
await migrateDatabase(databaseUrl);
await ensureConsoleBuilt({ onBuild: (reason) => say(`building the console (${reason})`) });
const db = new pg.Client({ connectionString: databaseUrl });
await db.connect();

const clientId = randomUUID();
const jobId = randomUUID();
await db.query(`insert into clients (id, name, type, status) values ($1, 'Bench', 'NHS', 'ACTIVE')`, [clientId]);
const failed = Math.floor(tasks / badEvery);
const started = performance.now();
await db.query('begin');
await db.query(
  `insert into jobs (id, type, strategy, status, meta, client_id, chunk_size, tasks_total, tasks_processed, tasks_failed, ended_at)
   values ($1, $2, 'CONCURRENT', 'FAILED', $3, $4, 1000, $5, $6, $7, now())`,
  [jobId, deviceRegistryJob.type, { registerType: 'MEDICAL_DEVICE', reasonDescription: 'Console benchmark', csvHeader: header }, clientId, tasks, tasks - failed, failed],
);
// Every 33rd record failed on its packaging_count, with the fields a worker writes.
await db.query(
  `insert into tasks (job_id, seq, name, status, meta, input, error, ended_at)
   select $1, g, 'Create device definition',
          case when g % ${badEvery} = 0 then 'FAILED' else 'PROCESSED' end,
          jsonb_build_object('csvDataLine', g + 1),
          'EXT-' || g || ',IIa,Acme Medical,UA,M-' || g || ',box,' || case when g % ${badEvery} = 0 then '0' else '1' end || ',piece,true,Device ' || g || ',USER_PROVIDED',
          case when g % ${badEvery} = 0 then jsonb_build_object(
            'message', 'Line ' || (g + 1) || ': column "packaging_count" must be a positive integer, got "0"',
            'extensions', jsonb_build_object('code', 'VALIDATION_ERROR', 'fields', jsonb_build_array(jsonb_build_object(
              'column', 'packaging_count', 'value', '0', 'rule', 'positive_integer', 'message', 'column "packaging_count" must be a positive integer, got "0"'))))
          end,
          now()
   from generate_series(1, $2::integer) g`,
  [jobId, tasks],
);
await db.query('commit');
await db.query('vacuum analyze tasks');
say(`seeded a job of ${tasks.toLocaleString('en')} tasks (${failed.toLocaleString('en')} failed) in ${((performance.now() - started) / 1000).toFixed(1)} s`);

const token = await signAccessToken(developmentJwtSecret, { userId: randomUUID(), clientId, scopes: ['device_registry_job:read', 'device_registry:write'] });
const env = { DATABASE_URL: databaseUrl, REDIS_URL: redisUrl, QUEUE_PREFIX: `benchconsole${process.pid}`, NODE_ENV: 'development', AUTH_JWT_SECRET: developmentJwtSecret, LOG_LEVEL: 'warn' };
const api = startApp('apps/api/src/main.ts', { ...env, PORT: '0', LOG_LEVEL: 'info' });
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });

/** The job page's own query (apps/console/src/jobs/task-queries.ts), for the registry job. */
const taskQuery = `query JobTasks($id: ID!, $filter: TaskFilter, $first: Int!, $after: String) {
  node(id: $id) { __typename ... on DeviceRegistryJob { registryTasks: tasks(filter: $filter, first: $first, after: $after) {
    pageInfo { hasNextPage endCursor }
    nodes { id databaseId status endedAt meta { csvDataLine } record { column value } error { message extensions { code errorId fields { column value rule message } } } } } } } }`;

try {
  let port: string | undefined;
  for (const deadline = Date.now() + 30_000; !port && Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
    port = /api listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(api.output())?.[1];
  }
  if (!port) throw new Error(`the api did not start:\n${api.output()}`);
  const base = `http://127.0.0.1:${port}`;
  const globalId = Buffer.from(`DeviceRegistryJob:${jobId}`).toString('base64');

  async function baseline(filter: Record<string, string>): Promise<number> {
    const t0 = performance.now();
    const response = await fetch(`${base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: taskQuery, variables: { id: globalId, filter, first: 50 } }),
    });
    const body = (await response.json()) as { data?: { node?: { registryTasks?: { nodes: unknown[] } } }; errors?: unknown };
    if (body.data?.node?.registryTasks?.nodes.length !== 50) throw new Error(`baseline query failed: ${JSON.stringify(body).slice(0, 500)}`);
    return performance.now() - t0;
  }
  await baseline({});

  const context = await browser.newContext({ baseURL: base, locale: 'en-GB' });
  await context.addInitScript({ content: `sessionStorage.setItem('jabba.token', ${JSON.stringify(token)});` });
  const rows = 'table.tasks tbody tr';
  const firstPage: { cold: number; warm: number[]; failed: number[]; next: number[]; base: number[]; baseFailed: number[] } = { cold: 0, warm: [], failed: [], next: [], base: [], baseFailed: [] };

  for (let run = 0; run <= runs; run += 1) {
    // Run 0 is the cold visit: a new page in a context that has cached nothing yet.
    const page = await context.newPage();
    await page.goto(`/jobs/${jobId}`);
    // Locators, not waitForFunction: the console's CSP (no eval) refuses Playwright's string predicates.
    await page.locator(rows).nth(49).waitFor();
    const loaded = await page.evaluate(() => performance.now());
    if (run === 0) firstPage.cold = loaded;
    else firstPage.warm.push(loaded);

    // The failed tasks: the filter, from the change to the 50th failed row.
    let t0 = performance.now();
    await page.getByLabel('Show tasks').selectOption('FAILED');
    await page.locator(`${rows} .cell-bad`).nth(49).waitFor();
    if (run > 0) firstPage.failed.push(performance.now() - t0);

    const firstLine = await page.locator(`${rows} th`).first().innerText();
    t0 = performance.now();
    await page.getByRole('button', { name: /Next page/ }).click();
    await page.locator(`${rows}:first-child th`, { hasNotText: new RegExp(`^${firstLine}$`) }).waitFor();
    if (run > 0) firstPage.next.push(performance.now() - t0);
    await page.close();
    if (run > 0) {
      firstPage.base.push(await baseline({}));
      firstPage.baseFailed.push(await baseline({ status: 'FAILED' }));
    }
  }

  const warm = median(firstPage.warm);
  const base0 = median(firstPage.base);
  say(`job page of ${tasks.toLocaleString('en')} tasks, median of ${runs} runs:`);
  say(`  first task page rendered (navigation start → 50 rows): cold ${ms(firstPage.cold)}, warm ${ms(warm)}  (target < 1000 ms)`);
  say(`  baseline, the same GraphQL query by fetch: ${ms(base0)}; ratio warm/baseline ${(warm / base0).toFixed(1)}`);
  say(`  failed filter → 50 failed rows with their cells: ${ms(median(firstPage.failed))} (its query by fetch: ${ms(median(firstPage.baseFailed))})`);
  say(`  next page: ${ms(median(firstPage.next))}`);
  await context.close();
} finally {
  await browser.close();
  api.child.kill('SIGTERM');
  await api.exit;
  await db.end();
}
