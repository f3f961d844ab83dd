/**
 * Issue 11: a RESCUED task shows a generic message and an error id, never the exception's text; the
 * worker's one error-level line with that id holds the details, and a database error's bound values
 * (echoed in its detail or its message) reach neither the task nor the log.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEffectsTable, createEngine, type Engine, type LogLine } from '../harness';
import { scriptHandlers } from '../handlers';

let engine: Engine;

beforeAll(async () => {
  engine = await createEngine();
  await createEffectsTable(engine.orm);
  await engine.orm.em.fork().getConnection().execute('create table secrets (value text primary key)');
  await engine.startWorker(scriptHandlers());
});
afterAll(() => engine.close());

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const taskIdsOf = async (jobId: string): Promise<string[]> =>
  ((await engine.orm.em.fork().getConnection().execute('select id from tasks where job_id = ? order by seq', [jobId])) as { id: string }[]).map((r) => r.id);

/** Runs one task that does `meta`, and gives its stored error, its id and the log line naming its error id. */
async function rescue(meta: Record<string, unknown>): Promise<{ error: { message: string; extensions: { code: string; errorId: string } }; taskId: string; line: LogLine }> {
  const job = await engine.submit({ type: 'script', strategy: 'CONCURRENT', tasks: [{ name: 'rescued', meta }] });
  await engine.waitForEnd(job.id);
  const [task] = await engine.tasks(job.id);
  expect(task!.status).toBe('RESCUED');
  const error = task!.error as { message: string; extensions: { code: string; errorId: string } };
  const [taskId] = await taskIdsOf(job.id);
  const lines = engine.logs.filter((l) => l.errorId === error.extensions.errorId);
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatchObject({ level: 50, msg: 'task raised an exception: RESCUED', jobId: job.id, taskIds: [taskId] });
  return { error, taskId: taskId!, line: lines[0]! };
}

describe('a RESCUED task', () => {
  it('shows a generic message and an error id; the log line with that id has the exception', async () => {
    const secret = `password=${randomUUID()}`;
    const { error, line } = await rescue({ action: 'throw', text: `vault login failed: ${secret}` });

    const errorId = error.extensions.errorId;
    expect(errorId).toMatch(uuid);
    expect(error).toEqual({
      message: `An unexpected error occurred; quote error id ${errorId} to your operator`,
      extensions: { code: 'INTERNAL_ERROR', errorId },
    });
    expect(line.err).toMatchObject({ type: 'Error', message: `vault login failed: ${secret}`, stack: expect.stringContaining('handlers.ts') });
    // Another rescued task gets an id of its own.
    expect((await rescue({ action: 'throw' })).error.extensions.errorId).not.toBe(errorId);
  });

  it('logs what a database error says of its statement, but never the values bound to it', async () => {
    const secret = `s3cr3t-${randomUUID()}`;
    // A unique violation: Postgres repeats the key in `detail` ("Key (value)=(…) already exists").
    const duplicate = await rescue({ action: 'sql', sql: 'insert into secrets (value) values ($1), ($1)', values: [secret] });
    expect(duplicate.line.err).toMatchObject({
      type: 'DatabaseError', code: '23505', severity: 'ERROR', schema: 'public', table: 'secrets', constraint: 'secrets_pkey',
      routine: expect.any(String), message: 'duplicate key value violates unique constraint "secrets_pkey"',
    });
    expect(duplicate.line.err).not.toHaveProperty('detail');
    // A bad cast: Postgres repeats the value in the message itself.
    const cast = await rescue({ action: 'sql', sql: 'select $1::uuid', values: [secret] });
    expect(cast.line.err).toMatchObject({ code: '22P02', message: 'invalid input syntax for type uuid: "…"', stack: expect.stringMatching(/^DatabaseError: invalid input syntax for type uuid: "…"\n\s+at /) });

    for (const { error, line } of [duplicate, cast]) {
      expect(error.message).toBe(`An unexpected error occurred; quote error id ${error.extensions.errorId} to your operator`);
      expect(JSON.stringify(line)).not.toContain(secret);
    }
    expect(JSON.stringify(engine.logs)).not.toContain(secret);
  });

  it('one exception that rescues a whole chunk is one error id and one line naming every task', async () => {
    const job = await engine.submit({ type: 'nobody-handles-this', strategy: 'CONCURRENT', tasks: [{ name: 'a' }, { name: 'b' }] });
    await engine.waitForEnd(job.id);
    const tasks = await engine.tasks(job.id);
    const ids = tasks.map((t) => (t.error as { extensions: { errorId: string } }).extensions.errorId);
    expect(tasks.map((t) => t.status)).toEqual(['RESCUED', 'RESCUED']);
    expect(ids[1]).toBe(ids[0]);
    const lines = engine.logs.filter((l) => l.errorId === ids[0]);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 50, jobId: job.id, taskIds: await taskIdsOf(job.id), err: { message: 'No handler is registered for job type nobody-handles-this' } });
  });
});
