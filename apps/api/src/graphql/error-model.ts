/**
 * The eHealth error model (SPEC §7) applied to every GraphQL response, in one place: resolvers
 * throw DomainErrors and never build GraphQL errors themselves.
 *
 * - DomainError → `extensions.code` from errors.ts `graphqlCode`, with `extensions.exception`
 *   carrying `inputErrors` / `missingAllowances`.
 * - A GraphQL error raised before any resolver runs (syntax, validation, the limits.ts limits, bad
 *   variables, malformed HTTP request) → BAD_REQUEST with graphql-js's message.
 * - Anything else is a bug: logged with the request id, answered as INTERNAL_SERVER_ERROR
 *   "Internal server error" so no internals leak.
 * - Every response gets `extensions.requestId`.
 *
 * This runs at result processing rather than as yoga's `maskError`, because only here do errors
 * from every phase pass with the request's context (its logger and id) at hand.
 */
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { createGraphQLError, type Plugin } from 'graphql-yoga';
import { asDatabaseOutage, type DomainError, isDomainError, type Logger } from '@jabba/domain/platform';
import type { RequestContext } from '../platform/request-context';
import { graphqlCode, type GraphqlErrorCode } from '../platform/error-tables';

export const internalErrorMessage = 'Internal server error';

type Extensions = Record<string, unknown>;

const isGraphQLError = (value: unknown): value is GraphQLError => value instanceof GraphQLError;

/**
 * The innermost cause: graphql-js and yoga wrap resolver errors once or twice. A lost database
 * connection (a restart, a failover) is an outage of seconds, not a bug: UNAVAILABLE.
 */
function rootCause(error: GraphQLError): unknown {
  let current: unknown = error;
  while (isGraphQLError(current) && current.originalError) current = current.originalError;
  return asDatabaseOutage(current);
}

function domainExtensions(error: DomainError): Extensions {
  const code = graphqlCode(error.code);
  const { inputErrors, missingAllowances } = error.details;
  const exception: Extensions = {};
  if (code === 'UNPROCESSABLE_ENTITY') exception.inputErrors = inputErrors ?? [];
  else if (inputErrors) exception.inputErrors = inputErrors;
  if (missingAllowances) exception.missingAllowances = missingAllowances;
  return Object.keys(exception).length > 0 ? { code, exception } : { code };
}

const withCode = (error: GraphQLError, message: string, extensions: Extensions & { code: GraphqlErrorCode }): GraphQLError =>
  createGraphQLError(message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    extensions,
  });

export interface ErrorModelOptions {
  /**
   * Drop graphql-js's "Did you mean …?" hints. With introspection off (production) they would
   * still let a client enumerate the schema field by field.
   */
  hideSuggestions: boolean;
}

const withoutSuggestions = (message: string): string => message.replace(/ Did you mean .+\?$/, '');

export function toModelError(error: GraphQLError, logger: Logger, { hideSuggestions }: ErrorModelOptions): GraphQLError {
  const cause = rootCause(error);
  if (isDomainError(cause)) {
    const extensions = domainExtensions(cause);
    if (extensions.code === 'INTERNAL_SERVER_ERROR') logger.warn({ err: cause }, 'graphql operation failed');
    return withCode(error, cause.message, extensions as Extensions & { code: GraphqlErrorCode });
  }
  // Raised by graphql-js or yoga about the request itself, before any resolver ran. The `http`
  // extension lets yoga answer 400 to clients that negotiated application/graphql-response+json;
  // application/json clients get 200, as the eHealth model (SPEC §7) has it.
  if (isGraphQLError(cause) && !error.path) {
    const http = { spec: true, status: 400, ...(error.extensions.http as Extensions | undefined) };
    const message = hideSuggestions ? withoutSuggestions(error.message) : error.message;
    return withCode(error, message, { code: 'BAD_REQUEST', http });
  }
  logger.error({ err: cause, path: error.path?.join('.') }, 'graphql operation failed');
  return withCode(error, internalErrorMessage, { code: 'INTERNAL_SERVER_ERROR' });
}

interface ResultLike {
  errors?: ReadonlyArray<GraphQLError | GraphQLFormattedError>;
  extensions?: Extensions;
}

function applyModel<R extends ResultLike>(result: R, requestId: string, logger: Logger, options: ErrorModelOptions): R {
  const errors = result.errors?.map((e) => (isGraphQLError(e) ? toModelError(e, logger, options) : e));
  return {
    ...result,
    ...(errors ? { errors } : {}),
    extensions: { ...result.extensions, requestId },
  };
}

/** `fallbackLogger` serves a server context without a logger (yoga used outside the app). */
export function useErrorModel(fallbackLogger: Logger, options: ErrorModelOptions): Plugin<object, Partial<RequestContext>> {
  return {
    onResultProcess({ result, setResult, serverContext }) {
      const requestId = serverContext.requestId ?? 'unknown';
      const logger = serverContext.logger ?? fallbackLogger;
      if (Array.isArray(result)) setResult(result.map((r) => applyModel(r, requestId, logger, options)));
      else if (!(Symbol.asyncIterator in result)) setResult(applyModel(result, requestId, logger, options));
    },
  };
}
