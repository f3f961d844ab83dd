/**
 * The api's configuration: the shared base env plus what only the api needs. This module is the only
 * reader of `process.env` in the app; everything else receives the parsed `ApiConfig`.
 */
import { z } from 'zod';
import { destinationEnvFields } from '@jabba/domain/destinations';
import { defaultTokenRules, developmentJwtSecret, jwtSecretField, jwtSecretOf, type TokenRules, withJwtSecretRule } from '@jabba/domain/identity';
import { mergeReviewEnvFields } from '@jabba/domain/merge-review';
import { baseEnvSchema, parseEnv } from '@jabba/domain/platform';

const loopbackHosts = new Set(['127.0.0.1', '[::1]', 'localhost']);

const apiEnvSchema = withJwtSecretRule(baseEnvSchema
  .extend({
    // 0 lets the OS pick a free port (end-to-end tests); main logs the port actually bound.
    PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
    AUTH_JWT_SECRET: jwtSecretField,
    /** Leeway for the clocks of token issuers, in seconds. */
    AUTH_CLOCK_SKEW_S: z.coerce.number().int().min(0).max(300).default(defaultTokenRules.clockSkewS),
    /** A token older than this (by its `iat`) is refused whatever its `exp`. */
    AUTH_MAX_TOKEN_AGE_S: z.coerce.number().int().positive().default(defaultTokenRules.maxAgeS),
    AUTH_JWT_ISSUER: z.string().min(1).optional(),
    AUTH_JWT_AUDIENCE: z.string().min(1).optional(),
    /** An identity provider's JWKS, for its RS256/ES256 tokens; https, or http on this machine only. */
    AUTH_JWKS_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
      .refine((url) => url.startsWith('https:') || loopbackHosts.has(new URL(url).hostname), 'must use https (http only on 127.0.0.1, [::1] or localhost)')
      .optional(),
    AUTH_JWKS_COOLDOWN_S: z.coerce.number().int().min(0).default(defaultTokenRules.jwksCooldownS),
    GRAPHQL_MAX_DEPTH: z.coerce.number().int().positive().default(12),
    /**
     * See graphql/query-cost.ts. 20 000 admits a full page (500) of ~35 fields, or a page of 50 with
     * a nested page of 50 under each of ~6 fields; it refuses 500 pages of 500.
     */
    GRAPHQL_MAX_COST: z.coerce.number().int().positive().default(20_000),
    // graphql-armor's defaults: generous for hand-written and generated queries, small enough that
    // a document cannot multiply its work by aliasing a field or stacking directives on it.
    GRAPHQL_MAX_ALIASES: z.coerce.number().int().min(0).default(15),
    GRAPHQL_MAX_TOKENS: z.coerce.number().int().positive().default(1000),
    GRAPHQL_MAX_DIRECTIVES: z.coerce.number().int().min(0).default(50),
    /** Largest accepted upload (the CSV as sent), in bytes; 1 GiB by default. */
    IMPORT_MAX_BYTES: z.coerce.number().int().positive().default(1024 ** 3),
    ...destinationEnvFields,
    ...mergeReviewEnvFields,
    /** How long a PATCH of a destination waits for the worker before answering 202 with the job. */
    DESTINATION_PATCH_WAIT_MS: z.coerce.number().int().min(0).default(5000),
    /** How long `assignMergeCandidate` waits for a worker's answer before telling the reviewer to try again. */
    MERGE_ASSIGN_TIMEOUT_MS: z.coerce.number().int().min(1).default(5000),
  }))
  .transform((env) => {
    // The refinement above made sure there is one.
    const secret = jwtSecretOf(env) ?? developmentJwtSecret;
    return {
      ...env,
      AUTH_JWT_SECRET: secret,
      /** True when the public development secret is in use (only ever outside production): main warns. */
      usingDevelopmentSecret: secret === developmentJwtSecret,
    };
  });

export type ApiConfig = z.output<typeof apiEnvSchema>;

/** Parses the environment once; throws ConfigError naming every bad variable. */
export const loadConfig = (env: Record<string, string | undefined> = process.env): ApiConfig => parseEnv(apiEnvSchema, env);

export const tokenRulesOf = (config: ApiConfig): TokenRules => ({
  secret: config.AUTH_JWT_SECRET,
  clockSkewS: config.AUTH_CLOCK_SKEW_S,
  maxAgeS: config.AUTH_MAX_TOKEN_AGE_S,
  issuer: config.AUTH_JWT_ISSUER,
  audience: config.AUTH_JWT_AUDIENCE,
  jwksUrl: config.AUTH_JWKS_URL,
  jwksCooldownS: config.AUTH_JWKS_COOLDOWN_S,
});
