/**
 * Domain errors carry a stable code and nothing about transport. The api maps codes to HTTP
 * statuses and GraphQL `extensions.code`; the worker maps them to retry / no-retry.
 */
import type { FieldProblem } from './field-rules';

export const errorCodes = [
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'CONFLICT',
  'UNPROCESSABLE_ENTITY',
  'BAD_REQUEST',
  'VALIDATION_ERROR',
  'PAYLOAD_TOO_LARGE',
  'TIMEOUT',
  'BUSY',
  'UNAVAILABLE',
] as const;
export type ErrorCode = (typeof errorCodes)[number];

export interface InputError {
  /** JSON path of the offending input field, e.g. `$.status`. */
  path: string;
  message: string;
}

export interface DomainErrorDetails {
  missingAllowances?: string[];
  inputErrors?: InputError[];
  /** RFC 9457 problem type, for errors whose type is part of a public contract. */
  problemType?: string;
  problemTitle?: string;
  /** When to try again, for a refusal that is only about now (BUSY, UNAVAILABLE): the api's `Retry-After`. */
  retryAfterSeconds?: number;
  /** A record's problems one by one (an import's VALIDATION_ERROR): a failed task's `extensions.fields`. */
  fields?: FieldProblem[];
}

export class DomainError extends Error {
  override readonly name = 'DomainError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: DomainErrorDetails = {},
  ) {
    super(message);
  }
}

export const isDomainError = (error: unknown): error is DomainError => error instanceof DomainError;

/** One refusal for every size bound of an upload, whether announced or counted while streaming. */
export const payloadTooLarge = (what: 'file' | 'JSON body', limit: number): DomainError =>
  new DomainError('PAYLOAD_TOO_LARGE', `The ${what} is larger than the limit of ${limit} bytes`);

/**
 * SQLSTATEs that say the statement lost a race with another transaction, not that its input is bad:
 * the transaction is worth running again after a pause. A task that raises one is not RESCUED; its
 * chunk fails and the queue retries it with backoff (the worker's failure policy).
 */
export const transientSqlStates = {
  '40P01': 'deadlock_detected',
  '40001': 'serialization_failure',
} as const satisfies Record<string, string>;

const maxCauseDepth = 5;

/** A Postgres error (pg's, or MikroORM's wrapping of it), or one caused by it, with a transient SQLSTATE. */
export function isTransientDatabaseError(error: unknown): boolean {
  let current = error;
  for (let depth = 0; depth <= maxCauseDepth && current instanceof Error; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && Object.hasOwn(transientSqlStates, code)) return true;
    current = current.cause;
  }
  return false;
}
