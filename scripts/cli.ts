/**
 * `npm run jabba -- <command>`: the few things an operator needs to try the platform — clients,
 * roles and access tokens. Bad usage exits 2 with the usage text; a failed command exits 1.
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { clientStatuses, clientTypes } from '@jabba/domain/identity';
import { readScriptEnv, type ScriptEnv } from './lib/script-config';

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

Environment:
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

const optionalCheck = <T>(schema: z.ZodType<T>, flag: string, value: string | undefined): T | undefined =>
  value === undefined ? undefined : check(schema, flag, value);

type Command = (argv: string[], env: () => ScriptEnv) => Promise<void>;

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
    await command(rest, readScriptEnv);
    return 0;
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
