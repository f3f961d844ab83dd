/**
 * Ten uploads trickling in over real sockets against the real api process (issue 11): they hold
 * no Postgres connection or transaction while their clients send, so `/ready` and every other route
 * keep answering within a second; an eleventh upload is refused with 503 at once; and once the
 * clients finish, every upload is stored.
 */
import { randomUUID } from 'node:crypto';
import { request, type ClientRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import pg from 'pg';
import { developmentJwtSecret, signAccessToken } from '@jabba/domain/identity';
import { cloneDatabase, type TestDatabase } from '#test/postgres';
import { startApp, type AppProcess } from '#test/process';
import { redisUrl, testPrefix } from '#test/redis';
import { waitFor } from '#test/wait-for';

const header = 'classification_type,manufacturer_name,manufacturer_country,model_number,packaging_type,packaging_count,packaging_unit,is_active,device_names.name,device_names.type';
const row = (n: number): string => `IIa,Acme,UA,M-${n},box,10,piece,true,Thermometer,USER_PROVIDED\n`;
const path = '/v1/device-registry-jobs?registerType=MEDICAL_DEVICE&reasonDescription=Slow';
const uploads = 10;

let db: TestDatabase;
let sql: pg.Client;
let api: AppProcess;
let base: string;
let token: string;

beforeAll(async () => {
  db = await cloneDatabase(inject('templateDatabase'));
  sql = new pg.Client({ connectionString: db.url });
  await sql.connect();
  const clientId = randomUUID();
  await sql.query(`insert into clients (id, name, type, status) values ($1, 'Slow uploads', 'NHS', 'ACTIVE')`, [clientId]);
  token = await signAccessToken(developmentJwtSecret, { userId: randomUUID(), clientId, scopes: ['device_registry:write', 'device_registry_job:read'] });
  api = startApp('apps/api/src/main.ts', {
    DATABASE_URL: db.url, REDIS_URL: redisUrl, QUEUE_PREFIX: testPrefix(), PORT: '0', LOG_LEVEL: 'info', NODE_ENV: 'development', IMPORT_MAX_CONCURRENT: String(uploads),
  });
  const port = await waitFor(() => /api listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(api.output())?.[1], { timeout: 15_000, what: 'api to listen' });
  base = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  api.child.kill('SIGTERM');
  await api.exit;
  await sql.end();
  await db.drop();
});

interface Answer { status: number; headers: Record<string, string | string[] | undefined>; body: string }

/** Starts a POST of `length` bytes on a connection of its own; its answer comes once the api sends one. */
function startUpload(length: number): { req: ClientRequest; answer: Promise<Answer> } {
  const req = request(`${base}${path}`, {
    method: 'POST',
    agent: false,
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'text/csv', 'Content-Length': length },
  });
  const answer = new Promise<Answer>((resolve, reject) => {
    req.once('response', (response) => {
      let body = '';
      response.on('data', (data: Buffer) => (body += data.toString()));
      response.once('end', () => resolve({ status: response.statusCode!, headers: response.headers, body }));
    });
    req.on('error', reject);
  });
  return { req, answer };
}

/** A route's answer and how long it took. */
async function timed(url: string): Promise<{ status: number; ms: number }> {
  const started = performance.now();
  const response = await fetch(`${base}${url}`, { headers: { Authorization: `Bearer ${token}` } });
  await response.arrayBuffer();
  return { status: response.status, ms: performance.now() - started };
}

describe('slow uploads', () => {
  it('hold no connection while ten clients trickle their files: other routes answer within a second, an eleventh upload is a 503', async () => {
    const file = `${header}\n${Array.from({ length: 50 }, (_, i) => row(i)).join('')}`;
    // Eleven clients for ten slots: whichever comes last is refused, and ten are then inside the route.
    const clients = Array.from({ length: uploads + 1 }, () => ({ ...startUpload(Buffer.byteLength(file)), sent: 0, answered: null as Answer | null }));
    for (const client of clients) void client.answer.then((answer) => (client.answered = answer), () => undefined);
    // Each client sends its first line, then a byte every 100 ms: none of them gets near the end.
    for (const client of clients) {
      client.sent = header.length + 1;
      client.req.write(file.slice(0, client.sent));
    }
    const trickle = setInterval(() => {
      for (const client of clients) if (!client.answered) client.req.write(file.slice(client.sent, (client.sent += 1)));
    }, 100);
    let slow = clients;
    try {
      const refused = await waitFor(() => clients.find((client) => client.answered), { what: 'one of eleven uploads to be refused' });
      slow = clients.filter((client) => client !== refused);
      expect(refused.answered!.status).toBe(503);
      expect(refused.answered!.headers['retry-after']).toBe('5');
      expect(JSON.parse(refused.answered!.body)).toMatchObject({ type: '/problems/busy', status: 503 });

      for (const url of ['/ready', `/v1/jobs/${randomUUID()}`, '/health']) {
        const { status, ms } = await timed(url);
        expect({ url, status, fast: ms < 1000 }).toEqual({ url, status: url.startsWith('/v1/jobs/') ? 404 : 200, fast: true });
      }
      const open = await sql.query(
        `select count(*)::int as n from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid() and xact_start is not null`,
      );
      expect(open.rows).toEqual([{ n: 0 }]);
      expect(slow.filter((client) => client.answered)).toEqual([]);
    } finally {
      clearInterval(trickle);
      for (const client of slow) client.req.end(file.slice(client.sent));
    }
    const answers = await Promise.all(slow.map((client) => client.answer));
    expect(answers.map((a) => a.status)).toEqual(Array.from({ length: uploads }, () => 202));
    const { rows } = await sql.query(`select count(*)::int as jobs, sum(tasks_total)::int as tasks from jobs`);
    expect(rows).toEqual([{ jobs: uploads, tasks: uploads * 50 }]);
  });
});
