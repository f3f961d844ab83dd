import { describe, expect, it } from 'vitest';
import { DomainError, errorCodes, type ErrorCode } from '@jabba/domain/platform';
import { graphqlCode, graphqlErrorCodes, httpStatus, toProblem } from '../../src/platform/error-tables';

describe('error tables', () => {
  const expected: Record<ErrorCode, [status: number, graphql: string]> = {
    UNAUTHENTICATED: [401, 'UNAUTHENTICATED'],
    FORBIDDEN: [403, 'FORBIDDEN'],
    NOT_FOUND: [404, 'NOT_FOUND'],
    CONFLICT: [409, 'CONFLICT'],
    UNPROCESSABLE_ENTITY: [422, 'UNPROCESSABLE_ENTITY'],
    BAD_REQUEST: [400, 'BAD_REQUEST'],
    VALIDATION_ERROR: [422, 'UNPROCESSABLE_ENTITY'],
    PAYLOAD_TOO_LARGE: [413, 'BAD_REQUEST'],
    TIMEOUT: [503, 'INTERNAL_SERVER_ERROR'],
    BUSY: [503, 'INTERNAL_SERVER_ERROR'],
    UNAVAILABLE: [503, 'INTERNAL_SERVER_ERROR'],
  };

  it.each(errorCodes)('maps %s to its HTTP status and GraphQL code', (code) => {
    const [status, graphql] = expected[code];
    expect(httpStatus[code]).toBe(status);
    expect(graphqlCode(code)).toBe(graphql);
    expect(graphqlErrorCodes).toContain(graphqlCode(code));
  });
});

describe('toProblem', () => {
  it('renders a DomainError with its extensions and the request id', () => {
    const error = new DomainError('VALIDATION_ERROR', 'Input is invalid', {
      inputErrors: [{ path: '$.status', message: 'is invalid' }],
    });
    expect(toProblem(error, 'req-1')).toEqual({
      type: '/problems/validation-error',
      title: 'Unprocessable Content',
      status: 422,
      detail: 'Input is invalid',
      requestId: 'req-1',
      inputErrors: [{ path: '$.status', message: 'is invalid' }],
    });
  });

  it('carries missingAllowances and omits absent members', () => {
    const error = new DomainError('FORBIDDEN', 'nope', { missingAllowances: ['a:read'] });
    expect(toProblem(error)).toEqual({
      type: '/problems/forbidden',
      title: 'Forbidden',
      status: 403,
      detail: 'nope',
      missingAllowances: ['a:read'],
    });
  });

  it('masks anything that is not a DomainError', () => {
    const problem = toProblem(new TypeError('cannot read properties of undefined (secret)'), 'req-2');
    expect(problem).toEqual({
      type: 'about:blank',
      title: 'Internal Server Error',
      status: 500,
      detail: 'An unexpected error occurred. Quote the request id when reporting it.',
      requestId: 'req-2',
    });
  });
});
