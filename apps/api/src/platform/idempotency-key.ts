/**
 * The job-level idempotency key as every interface takes it: the `Idempotency-Key` header of a REST
 * upload and the `idempotencyKey` input of a GraphQL mutation. One rule for both, because they share
 * one namespace per client (a key first used over REST and replayed over GraphQL answers the same
 * job): 1 to 255 characters once the ends' spaces and tabs are trimmed, as the Fetch API trims a
 * header's value, and nothing a header could not carry (NUL, CR, LF; Postgres text cannot hold NUL).
 */
import { DomainError } from '@jabba/domain/platform';

export const maxIdempotencyKeyLength = 255;

const httpWhitespaceAtEnds = /^[ \t]+|[ \t]+$/g;
/** Exactly the characters a header value cannot hold. */
const notInHeader = /[\u0000\r\n]/;

/** What is wrong with `key`, as a sentence about `name`; null when it is a good key. */
function problemOf(name: string, key: string): string | null {
  if (key.length === 0 || key.length > maxIdempotencyKeyLength) return `${name} must be 1 to ${maxIdempotencyKeyLength} characters`;
  if (notInHeader.test(key)) return `${name} must not contain NUL, CR or LF characters`;
  return null;
}

/** The request's `Idempotency-Key` header, or null without one; a bad one is a 422. */
export function idempotencyKeyHeader(request: Request): string | null {
  const key = request.headers.get('idempotency-key');
  if (key === null) return null;
  const problem = problemOf('Idempotency-Key', key);
  if (problem) throw new DomainError('UNPROCESSABLE_ENTITY', problem);
  return key;
}

/** A mutation's `idempotencyKey` input (`path` is its JSON path), or null when not given; a bad one is UNPROCESSABLE_ENTITY. */
export function idempotencyKeyInput(value: string | null | undefined, path = '$.idempotencyKey'): string | null {
  if (value === undefined || value === null) return null;
  const key = value.replace(httpWhitespaceAtEnds, '');
  const problem = problemOf('idempotencyKey', key);
  if (problem) throw new DomainError('UNPROCESSABLE_ENTITY', problem, { inputErrors: [{ path, message: problem }] });
  return key;
}
