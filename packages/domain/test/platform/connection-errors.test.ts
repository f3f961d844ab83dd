import { describe, expect, it } from 'vitest';
import { databaseUnavailable, DomainError, isLostDatabaseConnection, isTransientDatabaseError } from '../../src/platform';

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

describe('isLostDatabaseConnection: an outage, not a lost race', () => {
  it('is every lost connection isTransientDatabaseError knows, also as a cause, and never a deadlock or a serialization failure', () => {
    for (const code of ['57P01', '57P02', '57P03', '08000', '08003', '08006', 'ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT']) {
      expect(isLostDatabaseConnection(coded(code)), code).toBe(true);
    }
    expect(isLostDatabaseConnection(new Error('wrapped', { cause: new Error('Connection terminated unexpectedly') }))).toBe(true);
    for (const code of ['40P01', '40001']) {
      expect(isLostDatabaseConnection(coded(code)), code).toBe(false);
      expect(isTransientDatabaseError(coded(code)), code).toBe(true);
    }
    expect(isLostDatabaseConnection(coded('23505'))).toBe(false);
  });

  it('is told to callers as UNAVAILABLE with a pause to wait', () => {
    expect(databaseUnavailable()).toMatchObject({
      code: 'UNAVAILABLE', message: 'The database is not reachable right now; try again in 5 seconds', details: { retryAfterSeconds: 5 },
    });
  });
});
