/**
 * Every ```sh block of README.md is either run here, against one real platform this file starts,
 * or listed with the test (or CI step) that runs its commands instead; a block that is neither
 * fails, naming its first line. So the README cannot drift from the product. It lives beside the
 * api's test support because it runs the api (and a worker) in-process, which starts in a fraction
 * of what two processes cost; the blocks' own commands (npm, curl, jq) are real processes.
 *
 * Adding a block to the README: add ONE line to `blocks` below, keyed by the block's first line:
 *   'curl -s http://127.0.0.1:3000/v1/things -H "authorization: Bearer $TOKEN"': run((out) => expect(out.stdout).toContain('"things"')),
 *   'docker compose up': listedAt('apps/api/test/platform/monitoring.test.ts reads the compose file'),
 * A run block gets a newcomer's second terminal: `http://127.0.0.1:3000` in its text is this
 * platform's address, `https://hooks.example.com/jabba` a webhook receiver of this test's on
 * 127.0.0.1 (the api allows it), JABBA_API_URL points there, TOKEN and JABBA_TOKEN hold the development token
 * (what `dev:setup` prints), JOB the uuid of an ended upload of examples/devices.csv (10 lines
 * processed, 6 and 10 failed), and its working directory is a copy of the repository whose
 * `examples/` (and a `devices.csv`) it may write to. It runs in bash, not stopped by a failing
 * command (the CLI exits 2 for a FAILED job), and fails on a `jabba:`, `curl:`, `jq:` or `bash:`
 * line on stderr; `run(check, {after})` runs `after` too, e.g. to echo a variable the block
 * exports. All run blocks run side by side on the one platform.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cp, mkdtemp, readdir, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { developmentJwtSecret, jwtSecretOf, verifyAccessToken } from '@jabba/domain/identity';
import { ensureDevelopmentIdentity, signDevelopmentToken } from '@jabba/domain/development-identity';
import { deviceColumns, dictionaryNames } from '@jabba/domain/device-registry';
import { findJob } from '@jabba/domain/engine';
import { waitFor } from '#test/wait-for';
import { startTestWorker, type TestWorker } from '#test/worker';
import { jwtSecret, readScriptEnv } from '../../../scripts/lib/script-config';
import { createTestApi, type TestApi } from './support';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const readmeAddress = 'http://127.0.0.1:3000';
const readmeHook = 'https://hooks.example.com/jabba';

interface Output { code: number | null; stdout: string; stderr: string }
type Entry = { kind: 'run'; check: (out: Output) => void; after?: string } | { kind: 'listed'; where: string };
const run = (check: (out: Output) => void, options: { after?: string } = {}): Entry => ({ kind: 'run', check, ...options });
const listedAt = (where: string): Entry => ({ kind: 'listed', where });

const examplesFailedLines = [
  '  line 6: column "packaging_count" must be a positive integer, got "ten"',
  '  line 10: column "manufacturer_country" has "XX", which is not in the COUNTRY dictionary',
];

const blocks: Record<string, Entry> = {
  'npm ci && npm start': listedAt('.ci/run runs `npm ci` and `npm test`; `npm start` is scripts/start.ts, whose supervisor test/supervisor.test.ts runs, whose service check and migrations test/scripts.test.ts run, and which test/npm-start.test.ts runs whole (a worker SIGKILLed and restarted, then Ctrl-C)'),
  'export JABBA_TOKEN=$(npm run -s jabba -- dev:setup)': run((out) => {
    expect(out.stdout).toMatch(/^Job [0-9a-f-]{36} FAILED in \d+s\n {2}12 lines: 10 processed, 2 failed\nFailed records written to examples\/devices\.errors\.csv:\n/);
    expect(out.stdout.trimEnd().split('\n').slice(3)).toEqual(examplesFailedLines);
  }),
  'npm run -s jabba -- errors "$JOB" --records > examples/fix.csv': run((out) => {
    const [summary, lines, ...fixed] = out.stdout.trimEnd().split(/\r?\n/);
    expect(summary).toMatch(/^Job [0-9a-f-]{36} PROCESSED in \d+s$/);
    expect(lines).toBe('  2 lines: 2 processed, 0 failed');
    // The uploaded file's header and its lines 6 and 10, as fixed.
    expect(fixed).toEqual([
      examplesCsv[0], examplesCsv[5]!.replace(',ten,', ',10,'), examplesCsv[9]!.replace(',XX,', ',GB,'),
    ]);
  }, { after: 'cat examples/fix.csv' }),
  'export TOKEN=$(npm run -s jabba -- dev:setup)': run((out) => {
    const [summary, lines, response] = out.stdout.trimEnd().split('\n');
    expect(summary).toMatch(/^Job [0-9a-f-]{36} FAILED in \d+s$/);
    expect(lines).toBe('  12 lines: 10 processed, 2 failed');
    expect(JSON.parse(response ?? '')).toMatchObject({ data: { deviceRegistryJob: {
      status: 'FAILED', progress: { total: 12, processed: 10, failed: 2 },
      tasks: { nodes: [{ csvDataLine: 6, error: { message: expect.stringContaining('"ten"') as unknown } }, { csvDataLine: 10, error: { message: expect.stringContaining('"XX"') as unknown } }] },
    } } });
  }),
  'export TOKEN=$(curl -s -X POST http://127.0.0.1:3000/v1/dev/sign-in | jq -r .token)': run((out) => {
    expect(out.stdout).toMatch(/^TOKEN=[\w-]+\.[\w-]+\.[\w-]+\n$/);
  }, { after: 'echo "TOKEN=$TOKEN"' }),
  'curl -N http://127.0.0.1:3000/v1/jobs/$JOB/events -H "authorization: Bearer $TOKEN"': run((out) => {
    expect(out.stdout).toMatch(/^id: [0-9a-f]{16}\nevent: end\ndata: \{.*"status":"FAILED".*\}\n\n$/);
  }),
  "curl -s -X POST 'http://127.0.0.1:3000/v1/device-registry-jobs?registerType=MEDICAL_DEVICE&reasonDescription=Quarterly%20update' \\": run((out) => {
    expect(JSON.parse(out.stdout)).toEqual({ id: expect.any(String) as unknown, databaseId: expect.stringMatching(/^[0-9a-f-]{36}$/) as unknown, status: 'PENDING' });
  }),
  'curl -s http://127.0.0.1:3000/v1/webhooks -H "authorization: Bearer $TOKEN" -H \'content-type: application/json\' \\': run((out) => {
    expect(JSON.parse(out.stdout)).toMatchObject({ url: env.README_HOOK, events: ['job.ended'], disabledAt: null, secret: expect.stringMatching(/^whsec_/) as unknown });
  }),
  "curl -s http://127.0.0.1:3000/openapi.json | jq '.paths | keys'": run((out) => {
    const [paths, job] = out.stdout.split(/(?<=\])\n/);
    expect(JSON.parse(paths ?? '')).toEqual(expect.arrayContaining(['/v1/jobs/{id}', '/v1/webhooks', '/v1/device-registry-jobs']));
    expect(JSON.parse(job ?? '')).toMatchObject({ databaseId: env.JOB, status: 'FAILED', progress: { total: 12, processed: 10, failed: 2 } });
  }),
  'docker run --rm -e COLLECTOR_OTLP_ENABLED=true -p 16686:16686 -p 4318:4318 jaegertracing/all-in-one   # UI on http://127.0.0.1:16686': listedAt('no Docker engine runs the suite; apps/api/test/platform/traces-and-logs.test.ts starts tracing as OTEL_EXPORTER_OTLP_ENDPOINT does, with an in-memory exporter, and checks the upload-to-chunk trace'),
  'AUTH_JWKS_URL=https://idp.example.org/realms/nhs/protocol/openid-connect/certs \\': listedAt('apps/api/test/platform/tokens.test.ts: AUTH_JWKS_URL with RS256/ES256 keys and rotation, AUTH_JWT_ISSUER and AUTH_JWT_AUDIENCE'),
  'npm start                      # api + one worker': listedAt('apps/worker/test/worker-process.test.ts and test/worker-kill.test.ts run apps/worker/src/main.ts (`npm run start:worker`) as processes, WORKER_CONCURRENCY included; test/supervisor.test.ts runs npm start\'s supervisor'),
  // Both compose blocks start with the same line; no Docker engine runs the suite.
  "test -f .env || printf 'AUTH_JWT_SECRET=%s\\nMETRICS_TOKEN=%s\\n' \"$(openssl rand -hex 32)\" \"$(openssl rand -hex 32)\" > .env": listedAt('its first line runs in "the compose .env" below; apps/api/test/platform/monitoring.test.ts reads the compose file; the host commands are the quick start\'s'),
};

// examples/devices.csv by line, the header first.
const examplesCsv = readFileSync(path.join(root, 'examples', 'devices.csv'), 'utf8').split(/\r?\n/);

interface Block { line: number; first: string; text: string }

async function shBlocks(): Promise<Block[]> {
  const lines = (await readFile(path.join(root, 'README.md'), 'utf8')).split('\n');
  const found: Block[] = [];
  for (let i = 0; i < lines.length; i += 1) {
    if (lines[i] !== '```sh') continue;
    const end = lines.indexOf('```', i + 1);
    found.push({ line: i + 1, first: lines[i + 1] ?? '', text: lines.slice(i + 1, end).join('\n') });
    i = end;
  }
  return found;
}

function bash(script: string, cwd: string, env: Record<string, string>): Promise<Output> {
  return new Promise((resolve) => {
    execFile('bash', ['-c', script], { cwd, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? cwd, ...env }, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
    });
  });
}

/** A repository of its own: every top-level entry linked, `examples/` copied, so blocks may write beside the files. */
async function workingCopy(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'jabba-readme-'));
  for (const name of await readdir(root)) {
    if (['examples', '.git', '.env'].includes(name)) continue;
    await symlink(path.join(root, name), path.join(dir, name));
  }
  await cp(path.join(root, 'examples'), path.join(dir, 'examples'), { recursive: true });
  await cp(path.join(root, 'examples', 'devices.csv'), path.join(dir, 'devices.csv'));
  return dir;
}

/** The README's `.env` line run twice: the second run must keep the first file. */
async function composeEnvRun(): Promise<{ envLines: string[]; written: Output }> {
  const readme = await readFile(path.join(root, 'README.md'), 'utf8');
  const envLines = readme.split('\n').filter((line) => line.startsWith('test -f .env ||'));
  const written = await bash(`${envLines[0] ?? 'false'}\ncp .env first.env\n${envLines[0] ?? 'false'}\ncmp .env first.env && cat .env`, dir, {});
  return { envLines, written };
}
let composeRun: ReturnType<typeof composeEnvRun> | undefined;

let blocksOfReadme: Block[];
const ranBlocks = new Map<string, Output>();
let api: TestApi;
let worker: TestWorker;
let server: ServerType;
let receiver: Server;
let dir: string;
let env: Record<string, string>;

beforeAll(async () => {
  blocksOfReadme = await shBlocks();
  receiver = createServer((request, response) => { request.resume(); response.writeHead(204).end(); });
  await new Promise<void>((resolve) => { receiver.listen(0, '127.0.0.1', resolve); });
  api = await createTestApi({ env: { WEBHOOK_ALLOW_PRIVATE: 'true' } });
  worker = await startTestWorker(api);
  server = serve({ fetch: api.app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise<void>((resolve) => { server.once('listening', () => resolve()); });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // `npm start` and `dev:setup` sign and verify with the development secret; so does this api.
  expect(api.config.AUTH_JWT_SECRET).toBe(developmentJwtSecret);
  await ensureDevelopmentIdentity(api.em());
  const { token } = await signDevelopmentToken(developmentJwtSecret, 3600);
  const uploaded = await api.app.request('/v1/device-registry-jobs?registerType=MEDICAL_DEVICE&reasonDescription=README', {
    method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'text/csv' }, body: await readFile(path.join(root, 'examples', 'devices.csv')),
  });
  expect(uploaded.status).toBe(202);
  const { databaseId } = (await uploaded.json()) as { databaseId: string };
  await waitFor(async () => (await findJob(api.em(), databaseId))?.status === 'FAILED', { what: 'the examples upload to end' });
  dir = await workingCopy();
  env = {
    DATABASE_URL: api.database.url, NODE_ENV: 'development', LOG_LEVEL: 'silent', JABBA_API_URL: base, TOKEN: token, JABBA_TOKEN: token, JOB: databaseId,
    README_BASE: base, README_HOOK: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/jabba`,
  };
}, 30_000);

afterAll(async () => {
  await new Promise<void>((resolve) => { server.close(() => resolve()); (server as Server).closeAllConnections(); });
  await worker.close();
  await api.close();
  receiver.closeAllConnections();
  await new Promise<void>((resolve) => { receiver.close(() => resolve()); });
  await rm(dir, { recursive: true, force: true });
});

describe('README.md', () => {
  it('has every ```sh block run here or listed with what runs it', () => {
    const unknown = blocksOfReadme.filter((b) => !(b.first in blocks)).map((b) => `README.md:${b.line}: ${b.first}`);
    expect(unknown, 'add each to `blocks` in apps/api/test/readme.test.ts (see its header)').toEqual([]);
    const stale = Object.keys(blocks).filter((first) => !blocksOfReadme.some((b) => b.first === first));
    expect(stale, 'entries of `blocks` whose README block is gone').toEqual([]);
  });

  it('names only npm scripts and jabba commands that exist, in every block', async () => {
    const scripts = (JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    const cli = await readFile(path.join(root, 'scripts', 'cli.ts'), 'utf8');
    for (const block of blocksOfReadme) {
      for (const [, name] of block.text.matchAll(/npm run (?:-s )?([\w:-]+)/g)) expect(scripts[name!], `README.md:${block.line}: npm run ${name!}`).toBeDefined();
      for (const [, command] of block.text.matchAll(/jabba -- ([\w:-]+)/g)) expect(cli, `README.md:${block.line}: jabba -- ${command!}`).toContain(`\n  ${command!.includes(':') ? `'${command!}'` : command!}: (argv`);
    }
  });

  it('runs each block it does not list, as a newcomer would type it, and checks what it prints', async () => {
    const runnable = blocksOfReadme.flatMap((block) => {
      const entry = blocks[block.first];
      return entry?.kind === 'run' ? [{ block, entry }] : [];
    });
    expect(runnable.length).toBeGreaterThanOrEqual(5);
    // Side by side with the blocks: each is mostly a CLI process starting.
    composeRun ??= composeEnvRun();
    const outputs = await Promise.all(runnable.map(({ block, entry }) =>
      bash(`${block.text.replaceAll(readmeAddress, env.README_BASE!).replaceAll(readmeHook, env.README_HOOK!)}\n${entry.after ?? ''}`, dir, env)));
    runnable.forEach(({ block, entry }, i) => {
      const out = outputs[i]!;
      ranBlocks.set(block.first, out);
      try {
        // dev:setup talks on stderr; a CLI refusal, a curl error or a missing command does not pass.
        expect(out.stderr.split('\n').filter((line) => /^(jabba|curl|jq|bash):|command not found/.test(line))).toEqual([]);
        entry.check(out);
      } catch (error) {
        throw new Error(`README.md:${block.line}: ${block.first}\nstdout: ${out.stdout}\nstderr: ${out.stderr}\n${(error as Error).message}`);
      }
    });
  }, 60_000);

  it('has dev:setup print an example request that answers the jobs just uploaded', async () => {
    const setupTalk = ranBlocks.get('export JABBA_TOKEN=$(npm run -s jabba -- dev:setup)')?.stderr ?? '';
    const example = setupTalk.split('\n').filter((line) => /^ {2}(curl| {2}-d)/.test(line)).join('\n');
    expect(example).toContain(readmeAddress);
    const out = await bash(example.replaceAll(readmeAddress, env.README_BASE!), dir, env);
    const jobs = (JSON.parse(out.stdout) as { data: { jobs: { nodes: { jobType: string; status: string; progress: unknown }[] } } }).data.jobs.nodes;
    expect(jobs.length).toBeGreaterThanOrEqual(3);
    expect(jobs).toContainEqual({ id: expect.any(String) as unknown, jobType: 'upload_device_definition_registry', status: 'FAILED', progress: { total: 12, processed: 10, failed: 2 } });
  });
});

describe('the compose .env', () => {
  it('is written once by the README\'s line, and the CLI in production signs with its secret, as compose runs dev:setup', async () => {
    const { envLines, written } = await (composeRun ??= composeEnvRun());
    expect(envLines.length).toBe(2);
    expect(new Set(envLines).size).toBe(1);
    expect(written.stderr).toBe('');
    const values = Object.fromEntries(written.stdout.trimEnd().split('\n').map((line) => line.split('=') as [string, string]));
    expect(Object.keys(values)).toEqual(['AUTH_JWT_SECRET', 'METRICS_TOKEN']);
    for (const value of Object.values(values)) expect(value).toMatch(/^[0-9a-f]{64}$/);
    const secret = values.AUTH_JWT_SECRET!;
    expect(jwtSecretOf({ NODE_ENV: 'production', AUTH_JWT_SECRET: secret })).toBe(secret);

    // compose gives the api, the workers and the `migrate` container that runs dev:setup one secret.
    const compose = parse(await readFile(path.join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, { environment?: Record<string, string> }> };
    const secrets = ['api', 'worker', 'migrate'].map((name) => compose.services[name]?.environment?.AUTH_JWT_SECRET);
    expect(new Set(secrets).size).toBe(1);
    expect(secrets[0]).toMatch(/^\$\{AUTH_JWT_SECRET:\?/);

    // The secret dev:setup picks (the env `migrate` gets); test/scripts.test.ts runs the CLI in production.
    const picked = jwtSecret(readScriptEnv({ NODE_ENV: 'production', AUTH_JWT_SECRET: secret }));
    expect(picked).toBe(secret);
    const { token } = await signDevelopmentToken(picked, 60);
    expect(await verifyAccessToken(secret, token)).toMatchObject({ clientId: '11111111-1111-4111-8111-111111111111' });
  });
});

describe('the README\'s columns and dictionaries', () => {
  const section = async (): Promise<string> => (await readFile(path.join(root, 'README.md'), 'utf8')).split('### Columns and dictionaries\n')[1]?.split('\n### ')[0] ?? '';

  it('lists every column a registry file may have, in order, mandatory as the import checks it, with its bound and dictionary', async () => {
    const rows = [...(await section()).matchAll(/^\| `([\w.]+)` \| (?:(yes) )?\| (.+) \|$/gm)].map(([, name, mandatory, value]) => ({ name: name!, mandatory: mandatory === 'yes', value: value! }));
    expect(rows.map((r) => r.name)).toEqual(Object.keys(deviceColumns));
    for (const row of rows) {
      const { mandatory, rule } = deviceColumns[row.name as keyof typeof deviceColumns];
      expect(row.mandatory, row.name).toBe(mandatory);
      if (rule.kind === 'text' && 'dictionary' in rule) expect(row.value, row.name).toBe(`a \`${rule.dictionary}\` code`);
      else if (rule.kind === 'text') expect(row.value, row.name).toBe(`text, at most ${rule.maxLength} characters`);
      else if (rule.kind === 'list') expect(row.value, row.name).toMatch(new RegExp(`^\`${rule.group}\` list, each value at most ${rule.maxLength} characters`));
      else expect(row.value, row.name).toMatch({ positiveInteger: /^a whole number from 1 to 2147483647$/, boolean: /^`true` or `false`/, uuid: /uuid/ }[rule.kind]);
    }
  });

  it('names every active code of the small dictionaries, and the number of countries', async () => {
    const rows = new Map([...(await section()).matchAll(/^\| `(\w+)` \| ([^|]+) \|$/gm)].map(([, name, codes]) => [name!, codes!]));
    expect([...rows.keys()].sort()).toEqual([...dictionaryNames].sort());
    const stored = await api.em().getConnection().execute<{ name: string; code: string }[]>('select name, code from dictionaries where is_active');
    for (const name of dictionaryNames) {
      const codes = stored.filter((r) => r.name === name).map((r) => r.code);
      if (name === 'COUNTRY') expect(rows.get(name)).toContain(`the ${codes.length} ISO 3166-1 alpha-2 codes`);
      else expect([...rows.get(name)!.matchAll(/`([^`]+)`/g)].map(([, code]) => code).sort()).toEqual(codes.sort());
    }
  });
});
