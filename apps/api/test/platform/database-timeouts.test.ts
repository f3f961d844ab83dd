/**
 * The api's Postgres sessions (issue 11): a statement timeout and an idle-in-transaction timeout on
 * every pooled connection, and an upload's COPY that outlasts the statement timeout still goes in,
 * because it is sized by its file, not by the api's ordinary statements.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type TestApi } from '../support';

const header = 'classification_type,manufacturer_name,manufacturer_country,model_number,packaging_type,packaging_count,packaging_unit,is_active,device_names.name,device_names.type';
const row = (n: number): string => `IIa,Acme,UA,M-${n},box,10,piece,true,Thermometer,USER_PROVIDED`;

let defaults: TestApi;
let tight: TestApi;

beforeAll(async () => {
  [defaults, tight] = await Promise.all([
    createTestApi(),
    createTestApi({ env: { DATABASE_STATEMENT_TIMEOUT_MS: '300', DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: '400' } }),
  ]);
});
afterAll(() => Promise.all([defaults.close(), tight.close()]));

const sql = async <R>(target: TestApi, text: string): Promise<R[]> => (await target.em().getConnection().execute(text)) as R[];
const settings = (target: TestApi) =>
  sql(target, `select current_setting('statement_timeout') as statement, current_setting('idle_in_transaction_session_timeout') as idle`);

describe('api Postgres sessions', () => {
  it('carry a 30 s statement timeout and a 10 s idle-in-transaction timeout, or the configured ones', async () => {
    expect(await settings(defaults)).toEqual([{ statement: '30s', idle: '10s' }]);
    expect(await settings(tight)).toEqual([{ statement: '300ms', idle: '400ms' }]);
    await expect(sql(tight, 'select pg_sleep(1)')).rejects.toThrow('canceling statement due to statement timeout');
  });

  it('let an upload COPY run past the statement timeout', async () => {
    // Each task row now takes 5 ms to insert: 200 rows are a COPY of at least a second.
    await sql(tight, `create function slow_task() returns trigger language plpgsql as $$ begin perform pg_sleep(0.005); return new; end $$;
      create trigger slow_task before insert on tasks for each row execute function slow_task()`);
    try {
      const { headers } = await tight.caller({ scopes: ['device_registry:write'] });
      const csv = [header, ...Array.from({ length: 200 }, (_, i) => row(i))].join('\n');
      const response = await tight.app.request('/v1/device-registry-jobs?registerType=MEDICAL_DEVICE&reasonDescription=Slow', {
        method: 'POST', headers: { ...headers, 'Content-Type': 'text/csv' }, body: csv,
      });
      expect(response.status).toBe(202);
      const { databaseId } = (await response.json()) as { databaseId: string };
      expect(await sql(tight, `select tasks_total from jobs where id = '${databaseId}'`)).toEqual([{ tasks_total: 200 }]);
    } finally {
      await sql(tight, 'drop trigger slow_task on tasks; drop function slow_task()');
    }
  });
});
