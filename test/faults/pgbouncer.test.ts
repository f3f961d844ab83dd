/**
 * Jabba through PgBouncer in transaction pooling mode (issue 14): the api and two workers get a
 * DATABASE_URL that is a PgBouncer with fewer server connections than their pools hold clients, and
 * DATABASE_DIRECT_URL is Postgres itself. An import with known bad lines ends exactly once, and
 * the reviewer-assignment race (advisory locks, row locks, unique indexes) holds as it does on
 * Postgres directly. Nothing the api or the workers do needs more of a session than a transaction.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectOneReviewerPerCandidate } from '#test/merge-assignment-race';
import { startPgBouncer, type PgBouncer } from '#test/pgbouncer';
import { createPlatform, type Platform, type RunningPlatform } from '#test/platform';
import type { AppProcess } from '#test/process';
import { serverUrl } from '#test/postgres';
import { waitFor } from '#test/wait-for';
import { expectExactlyOnce, recordJobEnds } from './exactly-once';
import { registryCsv, uploadRegistry, waitForEnd } from './imports';

/** Server connections PgBouncer may open; the api's and the two workers' pools hold far more clients. */
const serverConnections = 3;

let bouncer: PgBouncer;
let platform: Platform;
let running: RunningPlatform<readonly AppProcess[]>;

beforeAll(async () => {
  bouncer = await startPgBouncer({ postgresPort: Number(new URL(serverUrl).port || 5432), poolSize: serverConnections });
  platform = await createPlatform({ poolSize: 2, processDatabaseUrl: (database) => bouncer.databaseUrl(database) });
  await recordJobEnds(platform.sql);
  running = await platform.start({
    workers: ['jabba-w1', 'jabba-w2'],
    workerEnv: { WORKER_CONCURRENCY: '2' },
    // Behind PgBouncer the api's session timeouts go on its role instead (README: PgBouncer).
    apiEnv: { DATABASE_STATEMENT_TIMEOUT_MS: '0', DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: '0' },
  });
});

afterAll(async () => {
  await platform?.stop();
  await bouncer?.stop();
});

/**
 * Samples PgBouncer's pool of the test database until stopped: the most clients and servers seen at
 * once, and the longest any client had waited for a server connection (s).
 */
function watchPool(database: string) {
  let stopped = false;
  const peak = { clients: 0, servers: 0, waitS: 0 };
  const watching = (async () => {
    while (!stopped) {
      const row = await bouncer.pool(database);
      if (row) {
        peak.clients = Math.max(peak.clients, row.cl_active + row.cl_waiting);
        peak.servers = Math.max(peak.servers, row.sv_active + row.sv_idle);
        peak.waitS = Math.max(peak.waitS, row.maxwait);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  return { stop: async () => ((stopped = true), await watching, peak) };
}

describe('through PgBouncer in transaction mode', () => {
  it('an import with known bad lines and two workers ends exactly once, on three server connections', async () => {
    const before = (await bouncer.stats(platform.db.name))?.transactions ?? 0;
    const pool = watchPool(platform.db.name);
    const file = registryCsv({ records: 3000, badEvery: 100, tag: 'PGB' });
    const client = await platform.nhsClient('PgBouncer');
    const jobId = await uploadRegistry(running.baseUrl, await client.token(['device_registry:write']), file.text);
    await waitForEnd(platform.sql, jobId);
    const peak = await pool.stop();
    await expectExactlyOnce(platform.sql, jobId, { records: file.records, badLines: file.badLines });

    // The work went through PgBouncer (the upload's COPY and every chunk's transaction), and its
    // clients took turns on fewer server connections than they were: transaction pooling at work.
    // PgBouncer adds to its totals once a second (stats_period): the upload's COPY and the three
    // chunks are four transactions at least.
    await waitFor(async () => ((await bouncer.stats(platform.db.name))?.transactions ?? 0) - before >= 4, { what: 'PgBouncer to count the transactions' });
    // No client waited long for its turn: each holds a server connection for one transaction, not
    // (as in session mode, where this waits ~30 s for idle pooled clients to be closed) for its life.
    expect(peak.servers).toBeLessThanOrEqual(serverConnections);
    expect(peak.clients).toBeGreaterThan(serverConnections);
    expect(peak.waitS).toBeLessThan(10);
  });

  it('assigns each merge candidate to one reviewer when 50 ask at once', async () => {
    await expectOneReviewerPerCandidate(platform, running, { reviewers: 50, candidates: 30, askingTwice: 10 });
  });

  it('refuses a client sending a session timeout as a startup parameter, rather than dropping it', async () => {
    const client = new pg.Client({ connectionString: bouncer.databaseUrl(platform.db.name), statement_timeout: 30_000 });
    await expect(client.connect()).rejects.toThrow('unsupported startup parameter: statement_timeout');
    await client.end().catch(() => undefined);
  });
});
