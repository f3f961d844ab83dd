/**
 * What the operator scripts (start, migrate, the CLI) read from the environment: the shared base
 * schema plus the api's port and the token secret. Parsed once per script with `parseEnv`, so a bad
 * variable is reported the same way the apps report it.
 */
import { z } from 'zod';
import { baseEnvSchema, parseEnv } from '@jabba/domain/platform';
import { jwtSecretField, jwtSecretOf, jwtSecretProblem } from '@jabba/domain/identity';

export const scriptEnvSchema = baseEnvSchema.extend({
  PORT: z.coerce.number().int().min(1).max(65_535).default(3000),
  // npm start gives its worker a metrics port, so /metrics answers on both apps out of the box.
  WORKER_METRICS_PORT: z.coerce.number().int().min(1).max(65_535).default(9464),
  // The api's own rule, so a secret the api would refuse is refused here first.
  AUTH_JWT_SECRET: jwtSecretField,
});
export type ScriptEnv = z.infer<typeof scriptEnvSchema>;

export const readScriptEnv = (env: Record<string, string | undefined> = process.env): ScriptEnv =>
  parseEnv(scriptEnvSchema, env);

/** The secret tokens are signed with, by the api's own rule: in production, one of the operator's own. */
export function jwtSecret(env: ScriptEnv): string {
  const secret = jwtSecretOf(env);
  if (secret !== null) return secret;
  if (env.AUTH_JWT_SECRET === undefined) {
    throw new Error('AUTH_JWT_SECRET is not set; with NODE_ENV=production there is no development default, so set it to the secret the api verifies with.');
  }
  throw new Error(`AUTH_JWT_SECRET ${jwtSecretProblem(env)}.`);
}

/**
 * A request that works with any token and shows real data once something was uploaded: the
 * caller's newest jobs of every type it may read (an empty list before the first upload).
 */
export function exampleRequest(port: number): string[] {
  return [
    `curl -s http://127.0.0.1:${port}/graphql -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' \\`,
    `  -d '{"query":"{ jobs(first: 5) { nodes { id jobType status progress { total processed failed } } } }"}'`,
  ];
}

/**
 * What the api commands (upload, wait, errors) read: only where the api is and the token, since
 * they talk to any Jabba over HTTP and never to its database.
 */
export const apiClientEnvSchema = z.object({
  JABBA_API_URL: z.url({ protocol: /^https?$/ }).default('http://127.0.0.1:3000'),
  JABBA_TOKEN: z.string().min(1).optional(),
});
export type ApiClientEnv = z.infer<typeof apiClientEnvSchema>;

export const readApiClientEnv = (env: Record<string, string | undefined> = process.env): ApiClientEnv =>
  parseEnv(apiClientEnvSchema, env);
