/**
 * What `npm run jabba -- <command>` does once its arguments are parsed and valid. Commands that
 * touch the database prepare it first (Postgres up, database created, migrations applied), so an
 * operator can run them on a fresh machine in any order; `token` needs no database.
 */
import { randomUUID } from 'node:crypto';
import { addUserRole, type ClientStatus, type ClientType, findClient, signAccessToken, upsertClient } from '@jabba/domain/identity';
import {
  developmentClientId,
  developmentClientName,
  developmentRole,
  developmentScopes,
  developmentUserId,
  ensureDevelopmentIdentity,
  signDevelopmentToken,
} from '@jabba/domain/development-identity';
import { directDatabaseUrl, type Orm } from '@jabba/domain/platform';
import { prepareDatabase } from './database';
import { exampleRequest, jwtSecret, type ScriptEnv } from './script-config';

/** Human-facing lines go to stderr so stdout carries only the value a shell would capture. */
const say = (line = ''): void => void process.stderr.write(`${line}\n`);

async function withOrm<T>(env: ScriptEnv, fn: (orm: Orm) => Promise<T>): Promise<T> {
  // The CLI may create and migrate the database first: Postgres itself, not a pooler in front of it.
  const { orm, applied } = await prepareDatabase(directDatabaseUrl(env), { log: (m) => say(`[jabba] ${m}`) });
  if (applied.length > 0) say(`[jabba] applied migrations: ${applied.join(', ')}`);
  try {
    return await fn(orm);
  } finally {
    await orm.close(true);
  }
}

export interface ClientAddArgs {
  id?: string;
  name: string;
  type: ClientType;
  status: ClientStatus;
  blocked: boolean;
}

export async function clientAdd(env: ScriptEnv, args: ClientAddArgs): Promise<void> {
  const id = args.id ?? randomUUID();
  const client = await withOrm(env, (orm) =>
    upsertClient(orm.em.fork(), { id, name: args.name, type: args.type, status: args.status, isBlocked: args.blocked }),
  );
  say(`client ${client.name} (${client.type}, ${client.status}${client.isBlocked ? ', blocked' : ''})`);
  console.log(client.id);
}

export interface RoleAddArgs {
  user: string;
  client: string;
  role: string;
}

export async function roleAdd(env: ScriptEnv, args: RoleAddArgs): Promise<void> {
  await withOrm(env, async (orm) => {
    const em = orm.em.fork();
    if (!(await findClient(em, args.client))) {
      throw new Error(`client ${args.client} does not exist; create it first with \`npm run jabba -- client:add\`.`);
    }
    await addUserRole(em, args.user, args.client, args.role);
  });
  say(`user ${args.user} has role ${args.role} at client ${args.client}`);
}

export interface TokenArgs {
  user: string;
  client: string;
  scopes: string[];
  ttl: number;
}

export async function token(env: ScriptEnv, args: TokenArgs): Promise<void> {
  const jwt = await signAccessToken(jwtSecret(env), { userId: args.user, clientId: args.client, scopes: args.scopes, ttl: args.ttl });
  console.log(jwt);
}

export async function devSetup(env: ScriptEnv, { ttl }: { ttl: number }): Promise<void> {
  // Resolve the secret before writing anything, so a refused production run changes nothing.
  const secret = jwtSecret(env);
  await withOrm(env, (orm) => ensureDevelopmentIdentity(orm.em.fork()));
  const { token: jwt } = await signDevelopmentToken(secret, ttl);
  say(`client ${developmentClientId} (${developmentClientName}, NHS, ACTIVE)`);
  say(`user   ${developmentUserId} (role ${developmentRole})`);
  say(`token  valid for ${ttl} s with scopes: ${developmentScopes.join(' ')}`);
  say();
  say('Use it (the token alone is printed on stdout, so a shell can capture it):');
  say('  export TOKEN=$(npm run -s jabba -- dev:setup)');
  for (const line of exampleRequest(env.PORT)) say(`  ${line}`);
  say();
  console.log(jwt);
}
