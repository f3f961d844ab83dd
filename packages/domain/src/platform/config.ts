/**
 * Environment parsing shared by both processes. Each app's config module passes `process.env`
 * here once at start; nothing else reads the environment.
 */
import { z } from 'zod';

export const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
/** `json`: one JSON object a line, for collectors; `pretty`: coloured lines for a developer's terminal. */
export const logFormats = ['json', 'pretty'] as const;
export type LogFormat = (typeof logFormats)[number];

export interface RedisNode {
  host: string;
  port: number;
}

// A hostname, an IPv4 address, or an IPv6 one in brackets (as in a URL), then a port.
const nodePattern = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/;

/** REDIS_CLUSTER_NODES: `host:port,host:port`; a few masters are enough, ioredis learns the rest from them. */
export const redisClusterNodesField = z.string()
  .transform((text, ctx): RedisNode[] => {
    const nodes: RedisNode[] = [];
    for (const entry of text.split(',').map((e) => e.trim()).filter((e) => e !== '')) {
      const match = nodePattern.exec(entry);
      const port = Number(match?.[2]);
      if (!match || port < 1 || port > 65_535) {
        ctx.addIssue({ code: 'custom', message: `"${entry}" is not host:port` });
        return z.NEVER;
      }
      nodes.push({ host: match[1]!.replace(/^\[(.*)\]$/, '$1'), port });
    }
    if (nodes.length === 0) ctx.addIssue({ code: 'custom', message: 'must list at least one host:port' });
    return nodes;
  });

export const baseEnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).default('postgresql://postgres@127.0.0.1:5432/jabba'),
  // Postgres itself when DATABASE_URL is a transaction pooler (PgBouncer): migrations and creating
  // the database go here (see directDatabaseUrl). Unset: DATABASE_URL.
  DATABASE_DIRECT_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).default('redis://127.0.0.1:6379'),
  QUEUE_PREFIX: z.string().regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, _ and - only').default('jabba'),
  /** Set: BullMQ runs on this Redis Cluster (REDIS_URL unused) under the prefix `{QUEUE_PREFIX}` (platform/redis.ts). */
  REDIS_CLUSTER_NODES: redisClusterNodesField.optional(),
  LOG_LEVEL: z.enum(logLevels).default('info'),
  // Unset means JSON (see createLogger); `npm start` sets pretty when its stdout is a terminal.
  LOG_FORMAT: z.enum(logFormats).optional(),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().positive().default(25_000),
});

/**
 * Where to reach Postgres itself rather than a pooler in front of it. Behind PgBouncer in
 * transaction mode, DATABASE_URL gives each transaction whichever server connection is free; the
 * api's and the workers' work is all transactions and takes nothing else from a session. Migrations
 * (DDL under long locks, one day `create index concurrently`, which no transaction may hold) and
 * `create database` (on the `postgres` database a pooler seldom exposes) take this one.
 */
export const directDatabaseUrl = (env: { DATABASE_URL: string; DATABASE_DIRECT_URL?: string | undefined }): string =>
  env.DATABASE_DIRECT_URL ?? env.DATABASE_URL;

/**
 * OpenTelemetry tracing, by the variables' standard names: off unless an OTLP endpoint is set (the
 * collector's base URL, e.g. http://127.0.0.1:4318; spans go to its /v1/traces as protobuf).
 */
export const tracingEnvFields = (defaultServiceName: string) => ({
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  OTEL_SERVICE_NAME: z.string().min(1).max(200).default(defaultServiceName),
});

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`Invalid environment:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** Parses `env` with `schema`, collecting every bad variable into one ConfigError. */
export function parseEnv<S extends z.ZodType>(schema: S, env: Record<string, string | undefined>): z.infer<S> {
  // Empty strings mean "unset" so that `FOO= npm start` falls back to the default.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = schema.safeParse(cleaned);
  if (result.success) return result.data;
  throw new ConfigError(result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`));
}

/**
 * Runs a process's `loadConfig` at start; a bad environment ends the process with exit 1 and one
 * plain-text message on stderr (no logger exists yet, and a human reads a failed deploy).
 */
export function configOrExit<T>(processName: string, load: () => T): T {
  try {
    return load();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`jabba ${processName}: cannot start. ${error.message}\n`);
    process.exit(1);
  }
}
