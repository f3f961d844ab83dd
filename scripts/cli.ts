/**
 * `npm run jabba -- <command>`: the few things an operator needs to try the platform — clients,
 * roles and access tokens — and the api commands (upload, wait, errors). Bad usage exits 2 with the
 * usage text; a failed command exits 1; upload and wait also exit 2 for a FAILED job.
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { clientStatuses, clientTypes } from '@jabba/domain/identity';
import { readApiClientEnv, readScriptEnv, type ScriptEnv } from './lib/script-config';

const usage = `Usage: npm run jabba -- <command> [options]

Commands:
  client:add --name NAME --type NHS|MIS|MSP|PHARMACY [--id UUID] [--status ACTIVE|SUSPENDED|CLOSED] [--blocked]
      Creates the client, or updates it when --id names an existing one; prints the client id.
  role:add --user UUID --client UUID --role ROLE
      Grants the user a role at the client (e.g. NHS_REVIEWER).
  token --user UUID --client UUID --scope "SCOPE SCOPE ..." [--ttl SECONDS]
      Prints an access token (default lifetime 3600 s).
  dev:setup [--ttl SECONDS]
      Creates the development NHS client and user (idempotent) and prints a token with every
      scope (default lifetime 86400 s), plus an example request on stderr.

Api commands (over HTTP only; each takes [--api URL] [--token TOKEN]):
  upload FILE --register-type TYPE --reason TEXT [--idempotency-key KEY] [--dry-run]
      Streams the device registry CSV to the api and follows the job with two progress bars
      (bytes sent, lines processed; only on a terminal), then prints a summary. With failed
      records it writes FILE's name + .errors.csv beside it and prints the first few. With
      --dry-run every record is checked as an import would, and no device is created.
  wait JOB_ID
      Follows the job until it ends and prints the summary.
  errors JOB_ID [--raw | --records]
      Prints the job's errors.csv (--raw: the records byte for byte as uploaded; --records: only
      the failed records under the upload's header, byte for byte, to fix and upload again).
  Exit codes: 0 the job PROCESSED, 2 the job FAILED (or bad usage), 1 refused by the api
  (its problem on stderr) or unreachable.

Environment:
  JABBA_API_URL    the api for the api commands (default http://127.0.0.1:3000)
  JABBA_TOKEN      their bearer token when --token is not given
  DATABASE_URL     default postgresql://postgres@127.0.0.1:5432/jabba
  AUTH_JWT_SECRET  signs tokens; outside NODE_ENV=production it defaults to the development secret
  PORT             the api's port, for the printed examples (default 3000)
`;

class UsageError extends Error {
  override readonly name = 'UsageError';
}

const uuid = z.uuid();
const ttl = z.coerce.number().int().positive();
const role = z.string().regex(/^[A-Z][A-Z0-9_]*$/, 'upper-case letters, digits and _');

/** Parses `argv` against `options`; every string option is required unless listed in `optional`. */
function parse<const O extends Record<string, { type: 'string' | 'boolean' }>>(argv: string[], options: O, optional: (keyof O)[] = []) {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: argv, options, strict: true, allowPositionals: false }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  for (const [name, spec] of Object.entries(options)) {
    if (spec.type === 'string' && values[name] === undefined && !optional.includes(name)) {
      throw new UsageError(`--${name} is required`);
    }
  }
  return values as { [K in keyof O]?: O[K]['type'] extends 'boolean' ? boolean : string };
}

function check<T>(schema: z.ZodType<T>, flag: string, value: unknown): T {
  const result = schema.safeParse(value);
  if (!result.success) throw new UsageError(`--${flag}: ${result.error.issues[0]?.message ?? 'invalid'} (got ${JSON.stringify(value)})`);
  return result.data;
}

/** Like `parse`, for the api commands: their positionals plus --api and --token. */
function parseApiCommand<const O extends Record<string, { type: 'string' | 'boolean' }>>(argv: string[], positionals: string[], options: O, optional: (keyof O)[] = []) {
  let parsed: { values: Record<string, string | boolean | undefined>; positionals: string[] };
  try {
    parsed = parseArgs({ args: argv, options: { ...options, api: { type: 'string' }, token: { type: 'string' } }, strict: true, allowPositionals: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const missing = positionals[parsed.positionals.length];
  if (missing !== undefined) throw new UsageError(`${missing} is required`);
  if (parsed.positionals.length > positionals.length) throw new UsageError(`unexpected argument ${JSON.stringify(parsed.positionals[positionals.length])}`);
  for (const [name, spec] of Object.entries(options)) {
    if (spec.type === 'string' && parsed.values[name] === undefined && !optional.includes(name)) throw new UsageError(`--${name} is required`);
  }
  const values = parsed.values as { [K in keyof O]?: O[K]['type'] extends 'boolean' ? boolean : string } & { api?: string; token?: string };
  return { values, positionals: parsed.positionals };
}

/** Where the api is and the token: flags first, then JABBA_API_URL / JABBA_TOKEN, read only now. */
function apiTarget(values: { api?: string; token?: string }) {
  const api = values.api === undefined ? undefined : check(z.url({ protocol: /^https?$/ }), 'api', values.api);
  const env = readApiClientEnv();
  const token = values.token ?? env.JABBA_TOKEN;
  if (token === undefined) throw new UsageError('--token is required when JABBA_TOKEN is not set');
  return { api: api ?? env.JABBA_API_URL, token };
}

const jobId = z.string().regex(/^[\w=-]{1,200}$/, 'a job id');
const api = () => import('./lib/upload-commands');

const optionalCheck = <T>(schema: z.ZodType<T>, flag: string, value: string | undefined): T | undefined =>
  value === undefined ? undefined : check(schema, flag, value);

/** Answers the exit code, or nothing for 0. */
type Command = (argv: string[], env: () => ScriptEnv) => Promise<void | number>;

// Loaded only once the arguments check out: it pulls in the ORM, which costs half a second.
const run = () => import('./lib/cli-commands');

const commands: Record<string, Command> = {
  'client:add': (argv, env) => {
    const v = parse(argv, { name: { type: 'string' }, type: { type: 'string' }, id: { type: 'string' }, status: { type: 'string' }, blocked: { type: 'boolean' } }, ['id', 'status']);
    const args = {
      name: check(z.string().trim().min(1, 'must not be empty'), 'name', v.name),
      type: check(z.enum(clientTypes), 'type', v.type),
      id: optionalCheck(uuid, 'id', v.id),
      status: optionalCheck(z.enum(clientStatuses), 'status', v.status) ?? 'ACTIVE',
      blocked: v.blocked ?? false,
    };
    return run().then((c) => c.clientAdd(env(), args));
  },
  'role:add': (argv, env) => {
    const v = parse(argv, { user: { type: 'string' }, client: { type: 'string' }, role: { type: 'string' } });
    const args = { user: check(uuid, 'user', v.user), client: check(uuid, 'client', v.client), role: check(role, 'role', v.role) };
    return run().then((c) => c.roleAdd(env(), args));
  },
  token: (argv, env) => {
    const v = parse(argv, { user: { type: 'string' }, client: { type: 'string' }, scope: { type: 'string' }, ttl: { type: 'string' } }, ['ttl']);
    const args = {
      user: check(uuid, 'user', v.user),
      client: check(uuid, 'client', v.client),
      scopes: check(z.string(), 'scope', v.scope).split(/\s+/).filter(Boolean),
      ttl: optionalCheck(ttl, 'ttl', v.ttl) ?? 3600,
    };
    return run().then((c) => c.token(env(), args));
  },
  'dev:setup': (argv, env) => {
    const v = parse(argv, { ttl: { type: 'string' } }, ['ttl']);
    const args = { ttl: optionalCheck(ttl, 'ttl', v.ttl) ?? 86_400 };
    return run().then((c) => c.devSetup(env(), args));
  },
  upload: (argv) => {
    const { values: v, positionals: [file] } = parseApiCommand(argv, ['FILE'], { 'register-type': { type: 'string' }, reason: { type: 'string' }, 'idempotency-key': { type: 'string' }, 'dry-run': { type: 'boolean' } }, ['idempotency-key', 'dry-run']);
    const args = {
      file: file!,
      registerType: check(z.string().trim().min(1, 'must not be empty'), 'register-type', v['register-type']),
      reason: check(z.string().trim().min(1, 'must not be empty'), 'reason', v.reason),
      idempotencyKey: optionalCheck(z.string().min(1).max(255), 'idempotency-key', v['idempotency-key']),
      dryRun: v['dry-run'] === true,
    };
    const target = apiTarget(v);
    return api().then((c) => c.upload(target, args));
  },
  wait: (argv) => {
    const { values: v, positionals: [id] } = parseApiCommand(argv, ['JOB_ID'], {});
    const args = { job: check(jobId, 'JOB_ID', id) };
    const target = apiTarget(v);
    return api().then((c) => c.wait(target, args));
  },
  errors: (argv) => {
    const { values: v, positionals: [id] } = parseApiCommand(argv, ['JOB_ID'], { raw: { type: 'boolean' }, records: { type: 'boolean' } });
    if (v.raw && v.records) throw new UsageError('errors takes --raw or --records, not both');
    const args = { job: check(jobId, 'JOB_ID', id), form: v.records ? 'records' as const : v.raw ? 'raw' as const : 'safe' as const };
    const target = apiTarget(v);
    return api().then((c) => c.errors(target, args));
  },
};

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  try {
    if (name === '--help' || name === '-h' || name === 'help') {
      process.stdout.write(usage);
      return 0;
    }
    const command = name === undefined ? undefined : commands[name];
    if (!command) throw new UsageError(name === undefined ? 'no command given' : `unknown command ${JSON.stringify(name)}`);
    // The environment is read only after the arguments check out, so usage errors stay usage errors.
    return (await command(rest, readScriptEnv)) ?? 0;
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`jabba: ${error.message}\n\n${usage}`);
      return 2;
    }
    process.stderr.write(`jabba: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
