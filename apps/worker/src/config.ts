import { z } from 'zod';
import { destinationEnvFields } from '@jabba/domain/destinations';
import { jwtSecretField, withJwtSecretRule } from '@jabba/domain/identity';
import { mergeReviewEnvFields } from '@jabba/domain/merge-review';
import { baseEnvSchema, parseEnv, tracingEnvFields } from '@jabba/domain/platform';
import { webhookEnvFields } from '@jabba/domain/webhooks';

/** A test hook is refused outside tests, so no deploy can carry one by mistake. */
function withTestHookRule<S extends z.ZodType<{ NODE_ENV: string; WORKER_TEST_CRASH_ON_MODEL?: string | undefined }>>(schema: S) {
  return schema.refine((env) => env.WORKER_TEST_CRASH_ON_MODEL === undefined || env.NODE_ENV === 'test', {
    path: ['WORKER_TEST_CRASH_ON_MODEL'],
    error: 'is a test hook: it is accepted only with NODE_ENV=test',
  });
}

// The worker signs and verifies no token, but it runs beside the api on the same environment: it
// refuses a production secret the api would refuse, so a bad deploy stops whole, not half.
const workerEnvSchema = withTestHookRule(withJwtSecretRule(baseEnvSchema.extend({
  AUTH_JWT_SECRET: jwtSecretField,
  /** Chunks processed at once by this process; each holds one Postgres connection while it runs. */
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
  /** How often the reconciler re-enqueues unfinished work from Postgres. */
  RECONCILE_EVERY_MS: z.coerce.number().int().min(1000).default(60_000),
  /** Lock on a running chunk, renewed while it runs: a dead worker's chunk is redelivered soon after it expires. */
  WORKER_LOCK_DURATION_MS: z.coerce.number().int().min(1000).default(30_000),
  /** Starts of one range of tasks, counted in Postgres, before it is split in halves; a last task left past it ends RESCUED. */
  CHUNK_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(3),
  /** Tests only (NODE_ENV=test): the device registry handler kills its own process on a record with this model number. */
  WORKER_TEST_CRASH_ON_MODEL: z.string().min(1).optional(),
  ...destinationEnvFields,
  ...mergeReviewEnvFields,
  /** Whole days a destination stays decommissioned (with every event token expired) before the sweep deletes it. */
  DESTINATION_DELETE_AFTER_DAYS: z.coerce.number().int().min(0).default(730),
  /** Port of the worker's /metrics, /health and /ready; unset: no server; 0: a free port, logged. */
  WORKER_METRICS_PORT: z.coerce.number().int().min(0).max(65_535).optional(),
  /** Address that server binds; loopback by default, so only this machine (or a sidecar) scrapes it. */
  WORKER_METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  /** How often the deletion sweep runs; daily by default. */
  DESTINATION_SWEEP_EVERY_MS: z.coerce.number().int().min(1000).default(86_400_000),
  /** Whole days an ended job (with its tasks, whose raw inputs hold personal data) is kept; `off` keeps jobs forever. */
  JOB_RETENTION_DAYS: z.union([z.literal('off'), z.coerce.number().int().min(1).max(36_500)]).default(90),
  /** How often the retention pass runs; daily by default. */
  JOB_RETENTION_EVERY_MS: z.coerce.number().int().min(1000).default(86_400_000),
  /** Tasks deleted per statement: each is its own short transaction, so locks are held briefly. */
  JOB_RETENTION_BATCH_SIZE: z.coerce.number().int().min(1).max(100_000).default(10_000),
  ...webhookEnvFields,
  /** One webhook attempt (connect, send, answer) gets this long; then it counts as failed and is retried. */
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5000),
  /** Attempts per delivery, the first included; the last is about 21 hours after the first with the default base. */
  WEBHOOK_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(8),
  /** Wait before the first retry, doubled before each next one (exponential backoff). */
  WEBHOOK_RETRY_BASE_MS: z.coerce.number().int().min(1).default(600_000),
  /** How often new deliveries are moved from Postgres to the queue: at most this late after a job ends. */
  WEBHOOK_RELAY_EVERY_MS: z.coerce.number().int().min(10).default(1000),
  /** Deliveries this worker sends at once; each waits on a receiver, not on Postgres. */
  WEBHOOK_CONCURRENCY: z.coerce.number().int().min(1).max(100).default(10),
  ...tracingEnvFields('jabba-worker'),
})));

export type WorkerConfig = z.infer<typeof workerEnvSchema>;

/** The only reader of process.env in the worker. Throws ConfigError naming every bad variable. */
export const loadConfig = (env: Record<string, string | undefined> = process.env): WorkerConfig => parseEnv(workerEnvSchema, env);
