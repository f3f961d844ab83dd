/**
 * Shared setup for api tests: a real Postgres database (cloned from the migrated template), a real
 * Redis connection, the app itself driven in-process with `app.request()` (every REST answer checked
 * against /openapi.json), and identity fixtures.
 *
 *   let api: TestApi;
 *   beforeAll(async () => { api = await createTestApi(); });
 *   afterAll(() => api.close());
 *   const { token } = await api.caller({ scopes: ['service_catalog:read'] });
 */
import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { Redis } from 'ioredis';
import { Queue, QueueEvents, type Telemetry } from 'bullmq';
import type { MiddlewareHandler } from 'hono';
import { queueNames } from '@jabba/domain/engine';
import { webhookDeliveriesQueue } from '@jabba/domain/webhooks';
import { addUserRole, type Client, type ClientStatus, type ClientType, requireActiveClient, signAccessToken, upsertClient } from '@jabba/domain/identity';
import { createLogger, createOrm, type Logger } from '@jabba/domain/platform';
import { cloneDatabase, type TestDatabase } from '#test/postgres';
import { connectRedis, redisUrl, testPrefix } from '#test/redis';
import { createApp, type ApiDeps, type App, type AppEnv } from '../src/app';
import { registerJobTypeAccess } from '../src/jobs/access';
import { loadConfig, type ApiConfig } from '../src/config';
import { apiOrmConfig } from '../src/platform/database';
import { jobEventHub } from '../src/jobs/event-stream';
import type { Schedule } from '../src/platform/poll-hub';
import { checkedApp } from './contract';

export { checkedApp } from './contract';

/**
 * The job types only tests make (their handlers are scripted) declare their checks like any other:
 * an ACTIVE client, besides owning the job.
 */
export const testJobTypes = ['test_import', 'test_generic'] as const;
for (const type of testJobTypes) registerJobTypeAccess(type, { graphqlType: 'GenericJob', read: [requireActiveClient()], write: [requireActiveClient()] });

export interface TokenOptions {
  /** Defaults to a fresh uuid: a user with no roles. */
  userId?: string;
  /** Defaults to a fresh uuid: a client that does not exist (see `caller` for one that does). */
  clientId?: string;
  scopes?: string[];
  /** Lifetime in seconds; negative for an expired token. */
  ttl?: number;
}

export interface CallerOptions {
  scopes?: string[];
  roles?: string[];
  clientType?: ClientType;
  clientStatus?: ClientStatus;
  isBlocked?: boolean;
}

export interface Caller {
  token: string;
  userId: string;
  client: Client;
  /** `{ Authorization: 'Bearer …' }`, ready for `app.request` or `fetch`. */
  headers: Record<string, string>;
}

export interface GraphqlResult<T = Record<string, unknown>> {
  status: number;
  body: {
    data?: T | null;
    errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
    extensions?: Record<string, unknown>;
  };
}

export interface TestApi {
  app: App;
  deps: ApiDeps;
  orm: MikroORM;
  redis: Redis;
  /** This test's BullMQ prefix: a worker started with it sees the jobs this api submits. */
  prefix: string;
  config: ApiConfig;
  database: TestDatabase;
  /** A fresh EntityManager for fixtures and assertions (the ORM forbids the global one). */
  em(): EntityManager;
  token(options?: TokenOptions): Promise<string>;
  /** Inserts a client (NHS, ACTIVE, not blocked unless told) and the user's roles; signs a token. */
  caller(options?: CallerOptions): Promise<Caller>;
  graphql<T = Record<string, unknown>>(request: { query: string; variables?: Record<string, unknown>; token?: string }): Promise<GraphqlResult<T>>;
  /** Closes the ORM and Redis and drops the database. */
  close(): Promise<void>;
}

export interface TestApiOptions {
  /** Extra environment for `loadConfig`, e.g. `{ GRAPHQL_MAX_DEPTH: '3' }`. */
  env?: Record<string, string>;
  logger?: Logger;
  /** The job event hub's clock: tests that count its reads drive it themselves. */
  schedule?: Schedule;
  /** Tracing, as main wires it when OTEL_EXPORTER_OTLP_ENDPOINT is set: BullMQ's hooks and the request span. */
  telemetry?: Telemetry;
  traceRequests?: MiddlewareHandler<AppEnv>;
}

export async function createTestApi(options: TestApiOptions = {}): Promise<TestApi> {
  const database = await cloneDatabase(inject('templateDatabase'));
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: database.url,
    REDIS_URL: redisUrl,
    LOG_LEVEL: 'silent',
    ...options.env,
  });
  const orm = await createOrm(apiOrmConfig(config, () => undefined));
  const redis = connectRedis();
  const prefix = testPrefix();
  const traced = options.telemetry ? { telemetry: options.telemetry } : {};
  const tasksQueue = new Queue(queueNames.tasks, { connection: redis, prefix, ...traced });
  const personDeactivation = new Queue(queueNames.personDeactivation, { connection: redis, prefix, ...traced });
  const mergeAssignments = new Queue(queueNames.mergeAssignments, { connection: redis, prefix, ...traced });
  const mergeAssignmentEvents = new QueueEvents(queueNames.mergeAssignments, { connection: redis, prefix });
  const maintenanceQueue = new Queue(queueNames.maintenance, { connection: redis, prefix, ...traced });
  const webhookDeliveries = new Queue(webhookDeliveriesQueue, { connection: redis, prefix });
  const logger = options.logger ?? createLogger(config.LOG_LEVEL, 'api-test');
  const jobEvents = jobEventHub({ orm, logger, maxStreams: config.SSE_MAX_STREAMS, ...(options.schedule ? { schedule: options.schedule } : {}) });
  const deps: ApiDeps = {
    config, orm, redis, tasksQueue, personDeactivation, mergeAssignments, mergeAssignmentEvents, maintenanceQueue, webhookDeliveries, jobEvents, logger,
    ...(options.traceRequests ? { traceRequests: options.traceRequests } : {}),
  };
  // Every REST answer a test sees must be as /openapi.json documents it (contract.ts).
  const app = checkedApp(createApp(deps));
  const em = () => orm.em.fork();

  const token = ({ userId = randomUUID(), clientId = randomUUID(), scopes = [], ttl }: TokenOptions = {}) =>
    signAccessToken(config.AUTH_JWT_SECRET, { userId, clientId, scopes, ...(ttl === undefined ? {} : { ttl }) });

  return {
    app,
    deps,
    orm,
    redis,
    prefix,
    config,
    database,
    em,
    token,
    async caller({ scopes = [], roles = [], clientType = 'NHS', clientStatus = 'ACTIVE', isBlocked = false } = {}) {
      const userId = randomUUID();
      const client = await insertClient(em(), { type: clientType, status: clientStatus, isBlocked });
      for (const role of roles) await addUserRole(em(), userId, client.id, role);
      const signed = await token({ userId, clientId: client.id, scopes });
      return { token: signed, userId, client, headers: { Authorization: `Bearer ${signed}` } };
    },
    async graphql<T>({ query, variables, token: bearer }: { query: string; variables?: Record<string, unknown>; token?: string }) {
      const response = await app.request('/graphql', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...(bearer ? { Authorization: `Bearer ${bearer}` } : {}) },
        body: JSON.stringify({ query, variables }),
      });
      return { status: response.status, body: (await response.json()) as GraphqlResult<T>['body'] };
    },
    async close() {
      jobEvents.close();
      await tasksQueue.close();
      await maintenanceQueue.close();
      await webhookDeliveries.close();
      await personDeactivation.close();
      await mergeAssignmentEvents.close();
      await mergeAssignments.close();
      await orm.close(true);
      await redis.quit();
      await database.drop();
    },
  };
}

export interface ClientFixture {
  id?: string;
  name?: string;
  type?: ClientType;
  status?: ClientStatus;
  isBlocked?: boolean;
}

export const insertClient = (em: EntityManager, fixture: ClientFixture = {}): Promise<Client> =>
  upsertClient(em, { id: randomUUID(), name: 'Test client', type: 'NHS', ...fixture });

export const grantRole = (em: EntityManager, userId: string, clientId: string, role: string): Promise<void> =>
  addUserRole(em, userId, clientId, role);
