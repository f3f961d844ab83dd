import { describe, expect, it } from 'vitest';
import {
  assertAcceptsReplies, assertAcceptsSubmissions, assertDeletable, assertTransition, decommissionAllowedFrom, destinationStateInvalidType,
  destinationStatuses, destinationTransitions, dueForDeletion, type DestinationState, type DestinationStatus,
} from '../../src/destinations/rules';
import { DomainError } from '../../src/platform/errors';

const id = '6f1b9a3e-0d4c-4b8e-9a51-2f0c6d7e8a90';
const now = new Date('2026-11-22T12:00:00Z');
const daysAgo = (days: number, hours = 0) => new Date(now.getTime() - (days * 24 + hours) * 3600_000);
const at = (status: DestinationStatus, changed = daysAgo(400)): DestinationState => ({ id, status, statusChangedAt: changed });
const rules = { minInactiveDays: 30 };

function refusal(run: () => void): DomainError {
  try {
    run();
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('expected destination-state-invalid');
}

describe('destination transitions', () => {
  const allowed: [DestinationStatus, DestinationStatus][] = [['created', 'active'], ['active', 'inactive'], ['inactive', 'active'], ['inactive', 'decommissioned']];

  it.each(destinationStatuses.flatMap((from) => destinationStatuses.map((to) => [from, to] as const)))('%s → %s', (from, to) => {
    const ok = allowed.some(([f, t]) => f === from && t === to);
    expect(destinationTransitions[from].includes(to)).toBe(ok);
    if (ok) expect(() => assertTransition(at(from), to, now, rules)).not.toThrow();
    else {
      const error = refusal(() => assertTransition(at(from), to, now, rules));
      expect(error.code).toBe('UNPROCESSABLE_ENTITY');
      expect(error.message).toBe(`Destination ${id} has the wrong state for this operation.`);
      expect(error.details).toEqual({ problemType: destinationStateInvalidType, problemTitle: 'Destination State invalid' });
    }
  });

  it('decommissions only after the minimum inactive days: refused at 29 days 23 hours, allowed at 30', () => {
    expect(() => assertTransition(at('inactive', daysAgo(29, 23)), 'decommissioned', now, rules)).toThrow('has the wrong state');
    expect(() => assertTransition(at('inactive', daysAgo(30)), 'decommissioned', now, rules)).not.toThrow();
    expect(() => assertTransition(at('inactive', daysAgo(0)), 'decommissioned', now, { minInactiveDays: 0 })).not.toThrow();
  });
});

describe('decommissionAllowedFrom', () => {
  it('is statusChangedAt plus the minimum days, microseconds kept, and the rule agrees on both sides of it', () => {
    const changed = '2026-10-01T08:15:30.123456Z';
    const from = decommissionAllowedFrom({ status: 'inactive', statusChangedAt: changed }, rules);
    expect(from).toBe('2026-10-31T08:15:30.123456Z');
    const state = { id, status: 'inactive' as const, statusChangedAt: new Date(changed) };
    expect(() => assertTransition(state, 'decommissioned', new Date(Date.parse(from!) - 1), rules)).toThrow('has the wrong state');
    expect(() => assertTransition(state, 'decommissioned', new Date(Date.parse(from!)), rules)).not.toThrow();
    expect(decommissionAllowedFrom({ status: 'inactive', statusChangedAt: changed }, { minInactiveDays: 0 })).toBe(changed);
  });

  it.each(['created', 'active', 'decommissioned'] as const)('is null while %s', (status) => {
    expect(decommissionAllowedFrom({ status, statusChangedAt: '2026-10-01T08:15:30.123456Z' }, rules)).toBeNull();
  });
});

describe('what each state allows', () => {
  it.each([
    ['created', false, true, true],
    ['active', true, true, false],
    ['inactive', false, true, false],
    ['decommissioned', false, false, false],
  ] as const)('%s: submissions %s, replies %s, delete %s', (status, submissions, replies, deletable) => {
    const run = (guard: (d: DestinationState) => void) => { try { guard(at(status)); return true; } catch { return false; } };
    expect(run(assertAcceptsSubmissions)).toBe(submissions);
    expect(run(assertAcceptsReplies)).toBe(replies);
    expect(run(assertDeletable)).toBe(deletable);
  });

  it('is due for deletion only when decommissioned for more than N days with no unexpired token', () => {
    expect(dueForDeletion(at('decommissioned', daysAgo(731)), now, 730, 0)).toBe(true);
    expect(dueForDeletion(at('decommissioned', daysAgo(730)), now, 730, 0)).toBe(false);
    expect(dueForDeletion(at('decommissioned', daysAgo(731)), now, 730, 1)).toBe(false);
    expect(dueForDeletion(at('inactive', daysAgo(900)), now, 730, 0)).toBe(false);
  });
});
