/**
 * The api as a value: `createApp(deps)` wires middleware, routes, GraphQL and the error handler and
 * opens nothing itself, so tests drive it with `app.request()` and main hands `app.fetch` to a server.
 */
import { Hono } from 'hono';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { Queue, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '@jabba/domain/platform/logger';
import type { ApiConfig } from './config';
import { graphqlContext } from './graphql/schema';
import { createGraphqlServer } from './graphql/server';
import { deviceRegistryRoutes } from './device-registry/rest';
import { destinationRoutes } from './destinations/rest';
import { destinationTransitionRoutes } from './destinations/transitions-rest';
import { healthRoutes } from './platform/health';
import { jobRoutes } from './jobs/rest';
import { mergeCandidateRoutes } from './merge-review/rest';
import { errorHandler, notFoundHandler } from './platform/problems';
import { accessLog, requestId, unitOfWork, type AppEnv } from './platform/request-scope';

export type { AppEnv, AppVariables } from './platform/request-scope';

/** Everything the api needs from the outside; main builds it, tests build their own. */
export interface ApiDeps {
  config: ApiConfig;
  orm: MikroORM;
  redis: Redis;
  /** The engine's task queue: jobs the api creates or retries are handed to it after commit. */
  tasksQueue: Queue;
  /** Person-deactivation events of settled MERGE decisions, published right after their commit. */
  personDeactivation: Queue;
  /** Reviewer assignments (SPEC §5): the api adds one and awaits the worker's answer on the events. */
  mergeAssignments: Queue;
  mergeAssignmentEvents: QueueEvents;
  logger: Logger;
}

export type App = Hono<AppEnv>;

export function createApp(deps: ApiDeps): App {
  const app = new Hono<AppEnv>();

  // Order matters: the request id exists before anything can log or fail, and the access log
  // wraps the unit of work so its line carries the final status.
  app.use('*', requestId(deps.logger));
  app.use('*', accessLog());
  app.use('*', unitOfWork(deps.orm, deps.config.AUTH_JWT_SECRET));

  app.onError(errorHandler(deps.logger));
  app.notFound(notFoundHandler);

  app.route('/', healthRoutes(deps));
  app.route('/', jobRoutes(deps));
  app.route('/', deviceRegistryRoutes(deps));
  app.route('/', destinationRoutes(deps));
  app.route('/', destinationTransitionRoutes(deps));
  app.route('/', mergeCandidateRoutes(deps));

  const yoga = createGraphqlServer(deps);
  app.on(['GET', 'POST'], '/graphql', (c) => yoga.fetch(c.req.raw, graphqlContext(c.var.requestContext, deps)));

  return app;
}
