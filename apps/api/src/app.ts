/**
 * The composition root: the one place that lists the api's features, each with its REST routes
 * and its GraphQL module. `createApp(deps)` wires middleware, routes, GraphQL and the error handler
 * and opens nothing itself, so tests drive it with `app.request()` and main hands `app.fetch` to a
 * server.
 */
import { bodyLimit } from 'hono/body-limit';
import { payloadTooLarge } from '@jabba/domain/platform';
import { destinationsModule } from './destinations/graphql';
import { destinationRoutes } from './destinations/rest';
import { destinationTransitionRoutes } from './destinations/transitions-rest';
import { deviceRegistryModule } from './device-registry/graphql';
import { deviceRegistryRoutes } from './device-registry/rest';
import { graphqlContext, type GraphqlModule } from './graphql/module';
import { createGraphqlServer } from './graphql/server';
import { jobsModule } from './jobs/graphql';
import { jobMutationsModule } from './jobs/mutations';
import { jobRoutes } from './jobs/rest';
import { mergeAssignmentModule } from './merge-review/assignment-graphql';
import { mergeReviewModule } from './merge-review/graphql';
import { mergeCandidateRoutes } from './merge-review/rest';
import { tokenVerifier } from '@jabba/domain/identity';
import { tokenRulesOf } from './config';
import type { ApiDeps } from './platform/deps';
import { consoleRoutes } from './platform/console-files';
import { healthRoutes } from './platform/health';
import { devSignInRoutes } from './identity/dev-sign-in';
import { identityModule } from './identity/graphql';
import { jobListModule } from './jobs/job-list';
import { operationsModule } from './operations/graphql';
import { maxGraphqlBody } from './platform/json-body';
import { errorHandler, notFoundHandler } from './platform/problems';
import { accessLog, requestId, unitOfWork } from './platform/request-scope';
import { serviceCatalogMutationsModule } from './service-catalog/mutations';
import { serviceCatalogModule } from './service-catalog/graphql';
import { uploadSlots } from './platform/upload-slots';
import { apiMetrics } from './platform/metrics';
import { metricsRoutes, timeRequests } from './platform/metrics-route';
import { webhookRoutes } from './webhooks/rest';
import { openApiRoutes, type OpenApiRoutes } from './platform/openapi';
import { contractRoutes } from './platform/api-contract';
import { problemPageRoutes } from './platform/problem-pages';

export type { ApiDeps } from './platform/deps';
export type { AppEnv, AppVariables } from './platform/request-scope';

/** An OpenAPIHono: the routes it mounts bring their part of /openapi.json with them. */
export type App = OpenApiRoutes;

/** Every feature's GraphQL module; the framework adds the scalars and Relay's `node`. */
export const graphqlModules: readonly GraphqlModule[] = [
  identityModule,
  jobsModule, jobListModule, jobMutationsModule,
  operationsModule,
  deviceRegistryModule,
  destinationsModule,
  mergeReviewModule, mergeAssignmentModule,
  serviceCatalogModule, serviceCatalogMutationsModule,
];

export function createApp(deps: ApiDeps): App {
  const app = openApiRoutes();
  // One set per app, shared by every route and resolver that takes an upload.
  const slots = uploadSlots(deps.config.IMPORT_MAX_CONCURRENT);
  // One registry per app: tests build several apps in one process.
  const metrics = apiMetrics(deps, slots);

  // Order matters: the request's span (when tracing) wraps everything, so every line logged carries
  // its trace id; the request id exists before anything can log or fail, and the access log wraps
  // the unit of work so its line carries the final status.
  if (deps.traceRequests) app.use('*', deps.traceRequests);
  app.use('*', requestId(deps.logger));
  app.use('*', timeRequests(metrics));
  app.use('*', accessLog());
  app.use('*', unitOfWork(deps.orm, tokenVerifier(tokenRulesOf(deps.config))));

  app.onError(errorHandler(deps.logger));
  app.notFound(notFoundHandler);

  app.route('/', healthRoutes(deps));
  app.route('/', metricsRoutes(metrics, deps.config.METRICS_TOKEN));
  // Outside production only: there the route does not exist.
  app.route('/', devSignInRoutes(deps));
  app.route('/', jobRoutes(deps));
  app.route('/', deviceRegistryRoutes(deps, slots));
  app.route('/', destinationRoutes(deps));
  app.route('/', destinationTransitionRoutes(deps));
  app.route('/', mergeCandidateRoutes(deps, slots));
  app.route('/', webhookRoutes(deps));
  // The contract of the routes above, and the pages their problems' types lead to.
  app.route('/', problemPageRoutes());
  app.route('/', contractRoutes(app));

  const yoga = createGraphqlServer(deps, graphqlModules);
  // yoga reads a body whole, however large: refused past the bound, counted as it streams.
  app.use('/graphql', bodyLimit({ maxSize: maxGraphqlBody, onError: () => { throw payloadTooLarge('JSON body', maxGraphqlBody); } }));
  app.on(['GET', 'POST'], '/graphql', (c) => yoga.fetch(c.req.raw, graphqlContext(c.var.requestContext, { ...deps, uploadSlots: slots })));

  // Last: the console's files and its pages' addresses are whatever no API route answered.
  app.route('/', consoleRoutes(deps.config.CONSOLE_DIST_DIR));

  return app;
}
