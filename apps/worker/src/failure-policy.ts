/**
 * One table decides what a failed queue message does: give up (the input will never succeed) or
 * retry with backoff (the world may change: locks, timeouts, a database restart).
 */
import { UnrecoverableError } from 'bullmq';
import { ZodError } from 'zod';
import { isDomainError, type ErrorCode } from '@jabba/domain/platform';

const retryPolicy = {
  UNAUTHENTICATED: 'give-up',
  FORBIDDEN: 'give-up',
  NOT_FOUND: 'give-up',
  CONFLICT: 'give-up',
  UNPROCESSABLE_ENTITY: 'give-up',
  BAD_REQUEST: 'give-up',
  VALIDATION_ERROR: 'give-up',
  PAYLOAD_TOO_LARGE: 'give-up',
  TIMEOUT: 'retry',
  BUSY: 'retry',
  UNAVAILABLE: 'retry',
} as const satisfies Record<ErrorCode, 'give-up' | 'retry'>;

/**
 * Rethrows `error` so that BullMQ retries it or, per the table, fails the message for good. What is
 * not a DomainError is retried: a deadlock or serialization failure among them (the engine lets
 * those leave a task instead of RESCUing it: platform/errors.ts `transientSqlStates`).
 */
export function rethrowForQueue(error: unknown): never {
  if (error instanceof ZodError) throw new UnrecoverableError(`invalid message payload: ${error.message}`);
  if (isDomainError(error) && retryPolicy[error.code] === 'give-up') throw new UnrecoverableError(`${error.code}: ${error.message}`);
  throw error;
}

/** Wraps a processor so every failure goes through the table. */
export const withFailurePolicy = <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
  async (...args: A): Promise<R> => {
    try {
      return await fn(...args);
    } catch (error) {
      rethrowForQueue(error);
    }
  };
