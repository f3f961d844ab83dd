/**
 * The GraphQL endpoint: a yoga instance the app mounts at /graphql and calls with the request's
 * RequestContext as server context, so resolvers share the request's unit of work and logger.
 */
import { createYoga } from 'graphql-yoga';
import type { Logger } from '@jabba/domain/platform';
import type { ApiDeps } from '../platform/deps';
import { currentRequestLogger } from '../platform/request-scope';
import { useErrorModel } from './error-model';
import { queryLimitPlugins } from './limits';
import type { GraphqlModule, GraphqlServerContext } from './module';
import { buildSchema } from './schema';

export type GraphqlServer = ReturnType<typeof createGraphqlServer>;

type Level = 'debug' | 'info' | 'warn' | 'error';

/**
 * yoga logs through pino, so its lines carry the process name like every other line, and within a
 * request that request's id; an Error among its arguments goes under `err`, where pino's serializer
 * keeps message and stack.
 */
const yogaLogger = (logger: Logger): Record<Level, (...args: unknown[]) => void> => {
  const at = (level: Level) => (...args: unknown[]) => {
    const err = args.find((a) => a instanceof Error);
    (currentRequestLogger() ?? logger)[level]({ err, args: args.filter((a) => a !== err) }, 'yoga');
  };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
};

/** `features` are the app's modules (app.ts); tests add their own to reach paths no field has yet. */
export function createGraphqlServer(
  { config, logger }: Pick<ApiDeps, 'config' | 'logger'>,
  features: readonly GraphqlModule[],
) {
  const development = config.NODE_ENV !== 'production';
  return createYoga<GraphqlServerContext>({
    schema: buildSchema(features),
    graphqlEndpoint: '/graphql',
    graphiql: development,
    landingPage: false,
    // CORS is the HTTP shell's business; uploads go through the REST streaming endpoint.
    cors: false,
    multipart: false,
    // The error model maps, masks and logs every error with the request id; yoga's own masking
    // would replace DomainErrors before it sees them.
    maskedErrors: false,
    logging: yogaLogger(logger),
    plugins: [
      ...queryLimitPlugins({
        maxDepth: config.GRAPHQL_MAX_DEPTH,
        maxCost: config.GRAPHQL_MAX_COST,
        maxAliases: config.GRAPHQL_MAX_ALIASES,
        maxTokens: config.GRAPHQL_MAX_TOKENS,
        maxDirectives: config.GRAPHQL_MAX_DIRECTIVES,
        introspection: development,
      }),
      useErrorModel(logger, { hideSuggestions: !development }),
    ],
  });
}
