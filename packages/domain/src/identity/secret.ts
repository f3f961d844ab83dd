/**
 * The token secret's rule, for every process that signs or verifies tokens (the api, the CLI): at
 * least 32 characters, and no default in production. Outside production an unset secret means the
 * public development one, so `npm start` works on a fresh checkout.
 */
import { z } from 'zod';

/** Public (it is in the repository): anyone can sign tokens with it. */
export const developmentJwtSecret = 'jabba-development-secret-not-for-production';

export const jwtSecretField = z.string().min(32, 'must be at least 32 characters').optional();

export interface SecretEnv {
  NODE_ENV: 'development' | 'test' | 'production';
  AUTH_JWT_SECRET?: string | undefined;
}

/** The secret to sign and verify with; null in production without one, which each caller refuses. */
export const jwtSecretOf = (env: SecretEnv): string | null =>
  env.AUTH_JWT_SECRET ?? (env.NODE_ENV === 'production' ? null : developmentJwtSecret);
