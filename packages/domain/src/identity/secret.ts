/**
 * The token secret's rule, for every process that signs or verifies tokens or runs beside them
 * (the api, the worker, the CLI): at least 32 characters; in production, one of the operator's own.
 * Outside production an unset secret means the public development one, so `npm start` works on a
 * fresh checkout.
 */
import { z } from 'zod';

/** Public (it is in the repository): anyone can sign tokens with it. */
export const developmentJwtSecret = 'jabba-development-secret-not-for-production';

export const jwtSecretField = z.string().min(32, 'must be at least 32 characters').optional();

export interface SecretEnv {
  NODE_ENV: 'development' | 'test' | 'production';
  AUTH_JWT_SECRET?: string | undefined;
}

const advice = 'set one of your own, e.g. AUTH_JWT_SECRET=$(openssl rand -hex 32)';

/** Why the environment's secret may not be used, as one sentence for an operator; null when it may. */
export function jwtSecretProblem(env: SecretEnv): string | null {
  if (env.NODE_ENV !== 'production') return null;
  const secret = env.AUTH_JWT_SECRET;
  if (secret === undefined) return 'required when NODE_ENV=production';
  if (secret === developmentJwtSecret) return `is the public development secret, which anyone can sign tokens with; ${advice}`;
  if (Buffer.byteLength(secret) < 32 || new Set(secret).size === 1) return `is too weak (shorter than 32 bytes, or one character repeated); ${advice}`;
  return null;
}

/** The secret to sign and verify with; null when `jwtSecretProblem` refuses the environment's. */
export const jwtSecretOf = (env: SecretEnv): string | null =>
  jwtSecretProblem(env) === null ? (env.AUTH_JWT_SECRET ?? developmentJwtSecret) : null;

/**
 * Adds the rule to an app's environment schema. It runs even when other variables are bad (zod
 * skips object refinements once a field failed), unless NODE_ENV or the secret itself is, so one
 * start names every problem at once.
 */
export const withJwtSecretRule = <S extends z.ZodType<SecretEnv>>(schema: S) =>
  schema.refine((env) => jwtSecretProblem(env) === null, {
    path: ['AUTH_JWT_SECRET'],
    error: (issue) => jwtSecretProblem(issue.input as SecretEnv) ?? 'is not usable',
    when: (payload) => payload.issues.every((i) => i.path?.[0] !== 'NODE_ENV' && i.path?.[0] !== 'AUTH_JWT_SECRET'),
  });
