/**
 * The platform as operators run it, for the tests that need real processes: a cloned database, a
 * BullMQ prefix of the test's own, the api and worker processes started on both, and tokens of an
 * NHS client. One copy, so every such test starts, addresses and stops its processes the same way.
 */
import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import { developmentJwtSecret, signAccessToken, upsertClient } from '@jabba/domain/identity';
import { createOrm, type Orm } from '@jabba/domain/platform';
import { migrateDatabase } from '../../scripts/lib/database';
import { cloneDatabase, type TestDatabase } from './postgres';
import type { PrivatePostgres } from './private-services';
import { startApp, type AppProcess } from './process';
import { redisUrl, testPrefix } from './redis';
import { waitFor } from './wait-for';

export interface RunningPlatform<Workers extends readonly AppProcess[] = AppProcess[]> {
  /** Where the api listens, e.g. `http://127.0.0.1:41234`. */
  baseUrl: string;
  api: AppProcess;
  /** One per name given to `start`, in that order. */
  workers: Workers;
}

export interface PlatformClient {
  id: string;
  /** A token of a user (a new one unless `userId` is given) of this client. */
  token(scopes: string[], userId?: string): Promise<string>;
}

export interface Platform {
  db: TestDatabase;
  orm: Orm;
  /** The BullMQ prefix every process of this platform uses. */
  prefix: string;
  /** Every process started so far, in start order. */
  processes: AppProcess[];
  sql<R>(text: string, values?: unknown[]): Promise<R[]>;
  /** Starts the api, then the named workers side by side (each name is its PGAPPNAME). */
  start<const Names extends readonly string[]>(options: { workers: Names; workerEnv?: Record<string, string>; apiEnv?: Record<string, string> }): Promise<RunningPlatform<{ [K in keyof Names]: AppProcess }>>;
  /** Starts one worker process and waits until it runs; `name` is its PGAPPNAME. */
  startWorker(name: string, env?: Record<string, string>): Promise<AppProcess>;
  /** Starts one api process (another, or one replacing a killed one) and waits until it listens. */
  startApi(env?: Record<string, string>): Promise<{ api: AppProcess; baseUrl: string }>;
  /** An ACTIVE NHS client, inserted now. */
  nhsClient(name: string): Promise<PlatformClient>;
  /** Stops the processes still running (SIGTERM, waiting for their exit), then drops the database. */
  stop(): Promise<void>;
}

// Under a loaded 2-core machine (the fault suite beside the rest) a tsx start takes well over 15 s.
const startTimeout = 30_000;

/**
 * Private services (test/support/private-services.ts) for a test that breaks them: a `jabba`
 * database migrated on that Postgres, and that Redis. Otherwise a clone of the shared template.
 */
export interface PlatformServices {
  postgres: PrivatePostgres;
  redisUrl: string;
}

async function migratedDatabase(postgres: PrivatePostgres): Promise<TestDatabase> {
  const url = postgres.databaseUrl('jabba');
  await migrateDatabase(url);
  return { name: 'jabba', url, drop: async () => undefined };
}

export interface PlatformOptions {
  poolSize: number;
  services?: PlatformServices;
  /**
   * The DATABASE_URL the api and worker processes get, from the database's name (e.g. through a
   * PgBouncer, test/support/pgbouncer.ts); their DATABASE_DIRECT_URL, and the test's own `sql`, stay
   * on Postgres itself. Unset: the database's own URL.
   */
  processDatabaseUrl?: (database: string) => string;
  /** Given to every process this platform starts, e.g. REDIS_CLUSTER_NODES. */
  env?: Record<string, string>;
}

export async function createPlatform({ poolSize, services, processDatabaseUrl, env: platformEnv = {} }: PlatformOptions): Promise<Platform> {
  const db = services ? await migratedDatabase(services.postgres) : await cloneDatabase(inject('templateDatabase'));
  const redis = services?.redisUrl ?? redisUrl;
  const orm = await createOrm({ databaseUrl: db.url, poolSize, logger: () => undefined });
  const prefix = testPrefix();
  const processes: AppProcess[] = [];
  const databaseEnv = { DATABASE_URL: processDatabaseUrl?.(db.name) ?? db.url, DATABASE_DIRECT_URL: db.url };

  const launch = (entry: 'apps/api/src/main.ts' | 'apps/worker/src/main.ts', env: Record<string, string>): AppProcess => {
    const app = startApp(entry, { ...databaseEnv, REDIS_URL: redis, QUEUE_PREFIX: prefix, LOG_LEVEL: 'info', ...platformEnv, ...env });
    processes.push(app);
    return app;
  };

  const startWorker = async (name: string, env: Record<string, string> = {}): Promise<AppProcess> => {
    const worker = launch('apps/worker/src/main.ts', { ...env, PGAPPNAME: name });
    await waitFor(() => worker.output().includes('"msg":"worker running"'), { timeout: startTimeout, what: `${name} to start` });
    return worker;
  };

  const startApi = async (env: Record<string, string> = {}): Promise<{ baseUrl: string; api: AppProcess }> => {
    const api = launch('apps/api/src/main.ts', { ...env, PORT: '0' });
    const port = await waitFor(() => /api listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(api.output())?.[1], { timeout: startTimeout, what: 'api to listen' });
    return { baseUrl: `http://127.0.0.1:${port}`, api };
  };

  return {
    db,
    orm,
    prefix,
    processes,
    sql: async <R>(text: string, values: unknown[] = []) => (await orm.em.fork().getConnection().execute(text, values)) as R[],
    async start({ workers, workerEnv = {}, apiEnv = {} }) {
      // Side by side: a start is mostly transpiling, and no process waits for another to be up.
      const [{ api, baseUrl }, started] = await Promise.all([startApi(apiEnv), Promise.all(workers.map((name) => startWorker(name, workerEnv)))]);
      return { baseUrl, api, workers: started as { [K in keyof typeof workers]: AppProcess } };
    },
    startApi,
    startWorker,
    async nhsClient(name) {
      const client = await upsertClient(orm.em.fork(), { id: randomUUID(), name, type: 'NHS', status: 'ACTIVE' });
      return {
        id: client.id,
        token: (scopes, userId = randomUUID()) => signAccessToken(developmentJwtSecret, { userId, clientId: client.id, scopes }),
      };
    },
    async stop() {
      const running = processes.filter((p) => p.child.exitCode === null && p.child.signalCode === null);
      for (const p of running) p.child.kill('SIGTERM');
      await Promise.all(running.map((p) => p.exit));
      await orm.close(true);
      await db.drop();
    },
  };
}
