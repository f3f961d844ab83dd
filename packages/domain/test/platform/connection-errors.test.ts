import { describe, expect, it } from 'vitest';
import { DomainError, isTransientDatabaseError } from '../../src/platform';

const coded = (code: string): Error => Object.assign(new Error(`code ${code}`), { code });

describe('isTransientDatabaseError: a lost connection', () => {
  it('knows a terminated backend, a server shutting down or starting, and a refused or reset socket, also as a cause', () => {
    for (const code of ['57P01', '57P02', '57P03', '08000', '08003', '08006', 'ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT']) {
      expect(isTransientDatabaseError(coded(code)), code).toBe(true);
    }
    expect(isTransientDatabaseError(new Error('wrapped', { cause: coded('57P01') }))).toBe(true);
  });

  it('knows what pg says without a code of a connection that ended', () => {
    for (const message of ['Connection terminated unexpectedly', 'Connection terminated', 'Client has encountered a connection error and is not queryable', 'Client was closed and is not queryable']) {
      expect(isTransientDatabaseError(new Error(message)), message).toBe(true);
    }
  });

  it('takes a bad statement, a timeout or a domain error for no lost connection', () => {
    for (const error of [coded('23505'), coded('57014'), new Error('relation "x" does not exist'), new DomainError('CONFLICT', 'taken'), { code: '57P01' }, null]) {
      expect(isTransientDatabaseError(error)).toBe(false);
    }
  });
});
