import { describe, expect, it } from 'vitest';
import { DomainError, isTransientDatabaseError } from '../../src/platform';

const pgError = (code: string): Error => Object.assign(new Error(`sqlstate ${code}`), { code });

describe('isTransientDatabaseError', () => {
  it('knows a deadlock and a serialization failure, also as the cause of another error', () => {
    expect(isTransientDatabaseError(pgError('40P01'))).toBe(true);
    expect(isTransientDatabaseError(pgError('40001'))).toBe(true);
    expect(isTransientDatabaseError(new Error('wrapped', { cause: pgError('40P01') }))).toBe(true);
  });

  it('takes nothing else for a lost race', () => {
    for (const error of [pgError('23505'), pgError('57014'), new Error('40P01'), new DomainError('CONFLICT', 'taken'), { code: '40P01' }, null]) {
      expect(isTransientDatabaseError(error)).toBe(false);
    }
  });
});
