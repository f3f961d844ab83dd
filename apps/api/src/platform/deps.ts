/**
 * Everything the api needs from the outside; main builds it, tests build their own. A leaf: route
 * and resolver modules import this type, and nothing here imports them.
 */
import type { MikroORM } from '@mikro-orm/postgresql';
import type { Queue, QueueEvents } from 'bullmq';
import type { MiddlewareHandler } from 'hono';
import type { JobRow } from '@jabba/domain/engine';
import type { Logger, RedisConnection } from '@jabba/domain/platform';
import type { ApiConfig } from '../config';
import type { PollHub } from './poll-hub';
import type { AppEnv } from './request-scope';

export interface ApiDeps {
  config: ApiConfig;
  orm: MikroORM;
  redis: RedisConnection;
  /** The engine's task queue: jobs the api creates or retries are handed to it after commit. */
  tasksQueue: Queue;
  /** Person-deactivation events of settled MERGE decisions, published right after their commit. */
  personDeactivation: Queue;
  /** Reviewer assignments (SPEC §5): the api adds one and awaits the worker's answer on the events. */
  mergeAssignments: Queue;
  mergeAssignmentEvents: QueueEvents;
  /** The workers' housekeeping queue (the reconciler's runs): the api only counts its jobs. */
  maintenanceQueue: Queue;
  /** Webhook deliveries (the workers relay and send them): the api only counts its jobs. */
  webhookDeliveries: Queue;
  /** The process's one poller per watched job, behind every `/v1/jobs/{id}/events` stream; main closes it first on shutdown. */
  jobEvents: PollHub<JobRow>;
  logger: Logger;
  /** The server span of each request (platform/request-tracing.ts), only while tracing is on. */
  traceRequests?: MiddlewareHandler<AppEnv>;
}
