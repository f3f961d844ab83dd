/**
 * The one place where domain error codes meet transports: code → HTTP problem (RFC 9457) and
 * code → GraphQL `extensions.code`. Both tables are `satisfies Record<ErrorCode, …>`, so a new code
 * in the domain does not compile until it is mapped here.
 *
 * Problem `type`s: a domain error is `/problems/<code-in-kebab-case>` (clients may switch on it),
 * a reference relative to the api itself, where it resolves to a page saying what the problem means
 * (problem-pages.ts): relative, so it is one string whatever host or proxy the api is reached
 * through. An error that carries a contractual type of its own (`details.problemType`, e.g.
 * FIT-Connect's destination-state-invalid) keeps it: that standard's clients switch on its URL. A problem that says nothing beyond its HTTP status (an
 * unknown route, a framework rejection, an unexpected failure) is `about:blank` with the status's
 * reason phrase as title, as RFC 9457 §4.2.1 prescribes.
 */
import { STATUS_CODES } from 'node:http';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { isDomainError, type ErrorCode, type InputError } from '@jabba/domain/platform';

export const graphqlErrorCodes = [
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'CONFLICT',
  'UNPROCESSABLE_ENTITY',
  'BAD_REQUEST',
  'INTERNAL_SERVER_ERROR',
] as const;
export type GraphqlErrorCode = (typeof graphqlErrorCodes)[number];

/** Code → HTTP status; a problem's default title is the status's reason phrase. */
export const httpStatus = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  UNPROCESSABLE_ENTITY: 422,
  BAD_REQUEST: 400,
  VALIDATION_ERROR: 422,
  PAYLOAD_TOO_LARGE: 413,
  // 503, not 504: the api is not a gateway relaying an upstream's silence; a TIMEOUT means a
  // dependency (a lock, Postgres, Redis) was too slow right now, and 503 is the status clients and
  // load balancers read as "temporary, try again".
  TIMEOUT: 503,
  // The process is at a limit of its own (IMPORT_MAX_CONCURRENT uploads): 503 with Retry-After.
  BUSY: 503,
  // A dependency the request needs (Redis, which takes the work to the workers) is away: refused
  // before anything was written, with Retry-After.
  UNAVAILABLE: 503,
} as const satisfies Record<ErrorCode, ContentfulStatusCode>;

export const graphqlErrors = {
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  UNPROCESSABLE_ENTITY: 'UNPROCESSABLE_ENTITY',
  BAD_REQUEST: 'BAD_REQUEST',
  VALIDATION_ERROR: 'UNPROCESSABLE_ENTITY',
  PAYLOAD_TOO_LARGE: 'BAD_REQUEST',
  // The caller did nothing wrong, so none of the client-error codes fits; the eHealth model has no
  // "unavailable" code, which leaves INTERNAL_SERVER_ERROR (the message is kept, not masked).
  TIMEOUT: 'INTERNAL_SERVER_ERROR',
  BUSY: 'INTERNAL_SERVER_ERROR',
  UNAVAILABLE: 'INTERNAL_SERVER_ERROR',
} as const satisfies Record<ErrorCode, GraphqlErrorCode>;

export const graphqlCode = (code: ErrorCode): GraphqlErrorCode => graphqlErrors[code];

export const problemTypeBase = '/problems/';
export const problemSlug = (code: ErrorCode): string => code.toLowerCase().replaceAll('_', '-');
export const problemType = (code: ErrorCode): string => `${problemTypeBase}${problemSlug(code)}`;

/** An RFC 9457 problem body; extension members beyond the named ones are allowed. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  requestId?: string;
  missingAllowances?: string[];
  inputErrors?: InputError[];
  [extension: string]: unknown;
}

export const problemContentType = 'application/problem+json';

// RFC 9110 renamed 413 and 422; Node's table still has the old names.
const reasonOverrides: Partial<Record<number, string>> = { 413: 'Content Too Large', 422: 'Unprocessable Content' };
export const reasonPhrase = (status: number): string => reasonOverrides[status] ?? STATUS_CODES[status] ?? 'Error';

/** A problem that means no more than its HTTP status. */
export function statusProblem(status: number, detail: string, requestId?: string): Problem {
  return { type: 'about:blank', title: reasonPhrase(status), status, detail, ...(requestId ? { requestId } : {}) };
}

export const internalErrorDetail = 'An unexpected error occurred. Quote the request id when reporting it.';

/**
 * Any thrown value → the problem the client sees. Only DomainErrors and framework HTTPExceptions
 * keep their message; anything else is a bug whose text may leak internals, so it is masked.
 */
export function toProblem(error: unknown, requestId?: string): Problem {
  if (isDomainError(error)) {
    const status = httpStatus[error.code];
    const { problemType: type, problemTitle, missingAllowances, inputErrors } = error.details;
    return {
      type: type ?? problemType(error.code),
      title: problemTitle ?? reasonPhrase(status),
      status,
      detail: error.message,
      ...(requestId ? { requestId } : {}),
      ...(missingAllowances ? { missingAllowances } : {}),
      ...(inputErrors ? { inputErrors } : {}),
    };
  }
  if (error instanceof HTTPException) {
    return statusProblem(error.status, error.message || reasonPhrase(error.status), requestId);
  }
  return statusProblem(500, internalErrorDetail, requestId);
}
