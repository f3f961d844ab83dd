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
 * SQLSTATEs that say the statement lost a race with another transaction (a deadlock, a serialization
 * failure) or that the connection went away under it (an operator's or a restart's
 * `pg_terminate_backend`, a server shutting down or still starting), not that its input is bad: the
 * transaction is worth running again after a pause. A task that raises one is not RESCUED; its
 * chunk fails and the queue retries it with backoff (the worker's failure policy).
 */
const lostRaceSqlStates = {
  '40P01': 'deadlock_detected',
  '40001': 'serialization_failure',
} as const satisfies Record<string, string>;

const lostConnectionSqlStates = {
  '57P01': 'admin_shutdown',
  '57P02': 'crash_shutdown',
  '57P03': 'cannot_connect_now',
  '08000': 'connection_exception',
  '08003': 'connection_does_not_exist',
  '08006': 'connection_failure',
} as const satisfies Record<string, string>;

export const transientSqlStates = { ...lostRaceSqlStates, ...lostConnectionSqlStates };

/** Node's codes for a socket that was refused, reset or cut: Postgres is restarting or unreachable. */
const connectionErrorCodes = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT']);

/** What pg says, without a code, of a connection that ended under a query or before one. */
const lostConnection = /^Connection terminated|connection error and is not queryable|Client was closed and is not queryable/;

const maxCauseDepth = 5;

/** Whether `error`, or one of its causes, passes `test`. */
function inCauses(error: unknown, test: (error: Error) => boolean): boolean {
  let current = error;
  for (let depth = 0; depth <= maxCauseDepth && current instanceof Error; depth += 1) {
    if (test(current)) return true;
    current = current.cause;
  }
  return false;
}

const codeOf = (error: Error): unknown => (error as { code?: unknown }).code;

const hasCodeIn = (codes: object, error: Error): boolean => {
  const code = codeOf(error);
  return typeof code === 'string' && Object.hasOwn(codes, code);
};

/**
 * A Postgres error (pg's, or MikroORM's wrapping of it), or one caused by it, that says the
 * connection went away or was refused (a restart, a failover, `pg_terminate_backend`).
 */
export const isLostDatabaseConnection = (error: unknown): boolean =>
  inCauses(error, (e) => hasCodeIn(lostConnectionSqlStates, e) || connectionErrorCodes.has(codeOf(e) as string) || lostConnection.test(e.message));

/** A Postgres error (pg's, or MikroORM's wrapping of it), or one caused by it, that a lost race or a lost connection explains. */
export const isTransientDatabaseError = (error: unknown): boolean =>
  inCauses(error, (e) => hasCodeIn(lostRaceSqlStates, e)) || isLostDatabaseConnection(error);

const databaseRetryAfterSeconds = 5;

/**
 * What a caller is told of a request that lost its database connection: the service is briefly
 * unavailable (a restart or a failover takes seconds), not broken, and the same request may be
 * sent again; a write sent with an Idempotency-Key is answered once whatever happened to the first.
 */
export const databaseUnavailable = (): DomainError =>
  new DomainError('UNAVAILABLE', `The database is not reachable right now; try again in ${databaseRetryAfterSeconds} seconds`, {
    retryAfterSeconds: databaseRetryAfterSeconds,
  });

/** `error`, or UNAVAILABLE when it is a lost database connection: what the api's error tables map. */
export const asDatabaseOutage = (error: unknown): unknown => (isLostDatabaseConnection(error) ? databaseUnavailable() : error);
