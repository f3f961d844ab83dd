/**
 * The api's configuration: the shared base env plus what only the api needs. This module is the only
 * reader of `process.env` in the app; everything else receives the parsed `ApiConfig`.
 */
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { destinationEnvFields } from '@jabba/domain/destinations';
import { defaultTokenRules, developmentJwtSecret, jwtSecretField, jwtSecretOf, type TokenRules, withJwtSecretRule } from '@jabba/domain/identity';
import { mergeReviewEnvFields } from '@jabba/domain/merge-review';
import { baseEnvSchema, parseEnv, tracingEnvFields } from '@jabba/domain/platform';
import { webhookEnvFields } from '@jabba/domain/webhooks';

/** Where `npm run build:console` writes the console (apps/console/dist), wherever the api is started from. */
export const defaultConsoleDistDir = fileURLToPath(new URL('../../console/dist', import.meta.url));

const loopbackHosts = new Set(['127.0.0.1', '[::1]', 'localhost']);

/** An upload of IMPORT_MAX_BYTES must get through from a client this slow (1 MiB/s) before Node's request timeout. */
const slowestUploadBytesPerSecond = 1024 ** 2;

interface HttpTimeoutEnv {
  HTTP_KEEP_ALIVE_TIMEOUT_MS: number;
  HTTP_REQUEST_TIMEOUT_MS?: number | undefined;
  IMPORT_MAX_BYTES: number;
}

/**
 * Node's server timeouts, in ms. `keepAliveTimeout` outlasts the idle timeout of common load
 * balancers (60 s), so the api never closes a connection a balancer is about to reuse (which would
 * fail that request with a 502); `headersTimeout` is above it, as Node wants; `requestTimeout`, the
 * time to receive a whole request, fits the largest upload at the slowest rate served, and is at
 * least Node's own 5 minutes.
 */
export function httpTimeouts(env: HttpTimeoutEnv) {
  const keepAliveTimeout = env.HTTP_KEEP_ALIVE_TIMEOUT_MS;
  const slowestUpload = Math.ceil(env.IMPORT_MAX_BYTES / slowestUploadBytesPerSecond) * 1000;
  return { keepAliveTimeout, headersTimeout: keepAliveTimeout + 1000, requestTimeout: env.HTTP_REQUEST_TIMEOUT_MS ?? Math.max(300_000, slowestUpload) };
}

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
    /** Most data records one CSV upload may hold (a task each). */
    IMPORT_MAX_RECORDS: z.coerce.number().int().positive().default(5_000_000),
    /** Longest record of a CSV upload, in bytes; also bounds what one record can hold in memory. */
    IMPORT_MAX_RECORD_BYTES: z.coerce.number().int().positive().default(64 * 1024),
    /** Tasks per queue message of a CSV import's job (one transaction each); unset: the job type's own (1000). */
    IMPORT_CHUNK_SIZE: z.coerce.number().int().min(1).max(100_000).optional(),
    /** Postgres ends a statement of the api that runs longer (0: never); an upload's COPY gets more. */
    DATABASE_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(0).default(30_000),
    /** Postgres ends a transaction of the api left idle longer (0: never), freeing its connection. */
    DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: z.coerce.number().int().min(0).default(10_000),
    /** Uploads one api process takes at once; its Postgres pool has one connection per upload on top of ten. */
    IMPORT_MAX_CONCURRENT: z.coerce.number().int().min(1).max(64).default(4),
    ...destinationEnvFields,
    ...mergeReviewEnvFields,
    ...webhookEnvFields,
    /** How long a PATCH of a destination waits for the worker before answering 202 with the job. */
    DESTINATION_PATCH_WAIT_MS: z.coerce.number().int().min(0).default(5000),
    /** How long `assignMergeCandidate` waits for a worker's answer before telling the reviewer to try again. */
    MERGE_ASSIGN_TIMEOUT_MS: z.coerce.number().int().min(1).default(5000),
    /** Longest a `/v1/jobs/{id}/events` stream stays open (also never past its token's exp); the client reconnects. */
    SSE_MAX_STREAM_S: z.coerce.number().int().min(1).default(3600),
    /** Event streams one api process serves at once; one more is a 503 `busy` with Retry-After. */
    SSE_MAX_STREAMS: z.coerce.number().int().min(1).max(100_000).default(1000),
    /** How long an idle keep-alive connection stays open (see httpTimeouts). */
    HTTP_KEEP_ALIVE_TIMEOUT_MS: z.coerce.number().int().min(1000).default(65_000),
    /** How long a client may take to send a whole request; by default sized for the largest upload. */
    HTTP_REQUEST_TIMEOUT_MS: z.coerce.number().int().positive().optional(),
    /** Bearer token a scraper presents to `GET /metrics`; unset, only loopback callers not behind a proxy may scrape. */
    METRICS_TOKEN: z.string().min(32, 'must be at least 32 characters').optional(),
    /** The built console the api serves at `/`; a relative path is taken from the working directory. */
    CONSOLE_DIST_DIR: z.string().min(1).default(defaultConsoleDistDir).transform((dir) => (isAbsolute(dir) ? dir : resolve(dir))),
    ...tracingEnvFields('jabba-api'),
  }))
  .refine((env) => httpTimeouts(env).requestTimeout >= httpTimeouts(env).headersTimeout, {
    path: ['HTTP_REQUEST_TIMEOUT_MS'],
    error: (issue) => `must be at least HTTP_KEEP_ALIVE_TIMEOUT_MS + 1000 (${httpTimeouts(issue.input as HttpTimeoutEnv).headersTimeout})`,
    when: (payload) => payload.issues.every((i) => !['HTTP_KEEP_ALIVE_TIMEOUT_MS', 'HTTP_REQUEST_TIMEOUT_MS', 'IMPORT_MAX_BYTES'].includes(String(i.path?.[0]))),
  })
  .transform((env) => {
    // The refinement above made sure there is one.
    const secret = jwtSecretOf(env) ?? developmentJwtSecret;
    return {
      ...env,
      AUTH_JWT_SECRET: secret,
      /** True when the public development secret is in use (only ever outside production): main warns. */
      usingDevelopmentSecret: secret === developmentJwtSecret,
      http: httpTimeouts(env),
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
