/**
 * The api's configuration: the shared base env plus what only the api needs. This module is the only
 * reader of `process.env` in the app; everything else receives the parsed `ApiConfig`.
 */
import { z } from 'zod';
import { destinationEnvFields } from '@jabba/domain/destinations';
import { developmentJwtSecret, jwtSecretField, jwtSecretOf, withJwtSecretRule } from '@jabba/domain/identity';
import { mergeReviewEnvFields } from '@jabba/domain/merge-review';
import { baseEnvSchema, parseEnv } from '@jabba/domain/platform';

const apiEnvSchema = withJwtSecretRule(baseEnvSchema
  .extend({
    // 0 lets the OS pick a free port (end-to-end tests); main logs the port actually bound.
    PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
    AUTH_JWT_SECRET: jwtSecretField,
    GRAPHQL_MAX_DEPTH: z.coerce.number().int().positive().default(12),
    GRAPHQL_MAX_COST: z.coerce.number().int().positive().default(5000),
    /** Largest accepted upload (the CSV as sent), in bytes; 1 GiB by default. */
    IMPORT_MAX_BYTES: z.coerce.number().int().positive().default(1024 ** 3),
    /** Most data records one CSV upload may hold (a task each). */
    IMPORT_MAX_RECORDS: z.coerce.number().int().positive().default(5_000_000),
    /** Longest record of a CSV upload, in bytes; also bounds what one record can hold in memory. */
    IMPORT_MAX_RECORD_BYTES: z.coerce.number().int().positive().default(64 * 1024),
    /** Postgres ends a statement of the api that runs longer (0: never); an upload's COPY gets more. */
    DATABASE_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(0).default(30_000),
    /** Postgres ends a transaction of the api left idle longer (0: never), freeing its connection. */
    DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: z.coerce.number().int().min(0).default(10_000),
    /** Uploads one api process takes at once; its Postgres pool has one connection per upload on top of ten. */
    IMPORT_MAX_CONCURRENT: z.coerce.number().int().min(1).max(64).default(4),
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
