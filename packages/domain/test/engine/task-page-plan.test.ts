/**
 * Task pages are read along the (job_id, status, seq) index of the tasks not PROCESSED, whatever
 * the statistics say. A job's tasks arrive in one COPY, long before ANALYZE: here the tasks table
 * was never analyzed, so the planner guesses a few rows for a job's FAILED tasks and, left alone,
 * scans them all and sorts.
 */
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Orm } from '../../src/platform/orm';
import { indexOrderSqlOf, inTransaction, sqlOf } from '../../src/platform/sql';
import { pageTasksOfJobs } from '../../src/engine/job-reads';
import { openOrmDatabase, type OrmDatabase } from '#test/orm-database';

let database: OrmDatabase;
let orm: Orm;
let sql: pg.Client;
const jobId = randomUUID();
// Enough that the never-analyzed table's size makes the planner guess a dozen FAILED rows (at
// 50,000 it guesses one, and an index scan wins by itself).
const tasks = 200_000;
const failedEvery = 33;

beforeAll(async () => {
  // One connection: what a statement leaves on it, the next one sees.
  database = await openOrmDatabase({ poolSize: 1 });
  ({ orm, sql } = database);
  await sql.query(`insert into jobs (id, type, strategy, chunk_size) values ($1, 'bench', 'CONCURRENT', 1000)`, [jobId]);
  await sql.query(
    `insert into tasks (job_id, seq, status, error)
     select $1, s, case when s % $2 = 0 then 'FAILED' else 'PROCESSED' end,
            case when s % $2 = 0 then '{"message": "bad", "extensions": {"code": "VALIDATION_ERROR"}}'::jsonb end
       from generate_series(1, $3::int) s`,
    [jobId, failedEvery, tasks],
  );
});
afterAll(() => database.close());

const setting = (rows: Array<{ value: string }>) => rows[0]?.value;
const bitmaps = 'select current_setting(\'enable_bitmapscan\') as value';

describe('indexOrderSqlOf', () => {
  it('runs a statement with bitmap scans off and leaves the pooled connection as it was', async () => {
    expect(setting(await indexOrderSqlOf(orm.em).query(bitmaps))).toBe('off');
    expect(setting(await sqlOf(orm.em).query(bitmaps))).toBe('on');
  });

  it('in a transaction, sets it for the statement only', async () => {
    const seen = await inTransaction(orm.em, async ({ em }) => [
      setting(await indexOrderSqlOf(em).query(bitmaps)),
      setting(await sqlOf(em).query(bitmaps)),
    ]);
    expect(seen).toEqual(['off', 'on']);
  });

  it('rolls back a failed statement and hands the connection back usable', async () => {
    await expect(indexOrderSqlOf(orm.em).query('select 1 / 0')).rejects.toThrow(/division by zero/);
    expect(setting(await sqlOf(orm.em).query(bitmaps))).toBe('on');
  });
});

describe('a page of FAILED tasks of a job the statistics do not know', () => {
  /** The statement pageTasksOfJobs sends, with its parameters, as knex's `query` listeners see it. */
  async function pageStatement(): Promise<{ text: string; values: unknown[]; rows: number }> {
    const knex = orm.em.getConnection().getKnex();
    const seen: Array<{ sql: string; bindings: unknown[] }> = [];
    const record = (q: { sql: string; bindings: unknown[] }) => seen.push(q);
    knex.on('query', record);
    try {
      const pages = await pageTasksOfJobs(orm.em.fork(), [jobId], { status: 'FAILED', order: 'SEQ_ASC', limit: 51, fromEnd: false });
      expect(seen).toHaveLength(1);
      return { text: seen[0]!.sql, values: seen[0]!.bindings, rows: pages.get(jobId)!.rows.length };
    } finally {
      knex.off('query', record);
    }
  }

  const plan = async (handle: typeof sqlOf, text: string, values: unknown[]) =>
    (await handle(orm.em).query<{ 'QUERY PLAN': string }>(`explain ${text}`, values)).map((r) => r['QUERY PLAN']).join('\n');

  it('is an ordered index scan that stops after the page, where the planner alone would sort every FAILED task', async () => {
    const { text, values, rows } = await pageStatement();
    expect(rows).toBe(51);
    const along = await plan(indexOrderSqlOf, text, values);
    // The limit sits right on the index scan: only the page's rows are read (the sort above it puts
    // the pages of several jobs in order, a page's worth of rows each).
    expect(along).toMatch(/Limit .*\n\s*->  Index Scan using tasks_job_unprocessed_idx on tasks t /);
    expect(along).not.toMatch(/Bitmap/);
    // Without the setting, the same statement (the 78 ms): proof this test can fail.
    const alone = await plan(sqlOf, text, values);
    expect(alone).toMatch(/Bitmap Heap Scan on tasks t/);
    expect(alone).toMatch(/Sort Key: t\.seq/);
  });
});
