import { describe, expect, it } from 'vitest';
import {
  assertMayTakeNew, assertRequestTransition, canAssignNew, effectOfDecision, requestStatuses, requestTransitions, type RequestStatus,
} from '../../src/merge-review/rules';

const rules = { maxPostponed: 5, quorum: 3 };

describe('merge request transitions', () => {
  const allowed = ['NEW>MERGE', 'NEW>SPLIT', 'NEW>TRASH', 'NEW>POSTPONE', 'POSTPONE>MERGE', 'POSTPONE>SPLIT', 'POSTPONE>TRASH'];
  it.each(requestStatuses.flatMap((from) => requestStatuses.map((to) => [from, to] as [RequestStatus, RequestStatus])))('%s → %s', (from, to) => {
    const ok = allowed.includes(`${from}>${to}`);
    expect(requestTransitions[from].includes(to)).toBe(ok);
    if (ok) expect(() => assertRequestTransition(from, to)).not.toThrow();
    else expect(() => assertRequestTransition(from, to)).toThrow(expect.objectContaining({ code: 'CONFLICT', message: 'Incorrect transition status' }));
  });
});

describe('assignment rules', () => {
  it('refuses a reviewer with a NEW request, then one at the postponed limit, in that order', () => {
    expect(() => assertMayTakeNew({ newRequests: 1, postponed: 5 }, rules)).toThrow(expect.objectContaining({ code: 'CONFLICT', message: 'new request is already present' }));
    expect(() => assertMayTakeNew({ newRequests: 0, postponed: 5 }, rules)).toThrow(expect.objectContaining({ code: 'CONFLICT', message: 'postponed requests limit exceeded' }));
    expect(() => assertMayTakeNew({ newRequests: 0, postponed: 4 }, rules)).not.toThrow();
  });

  it.each([
    [{ newRequests: 0, postponed: 0 }, true],
    [{ newRequests: 0, postponed: 4 }, true],
    [{ newRequests: 0, postponed: 5 }, false],
    [{ newRequests: 1, postponed: 0 }, false],
  ])('canAssignNew(%o) is %s', (load, expected) => {
    expect(canAssignNew(load, rules)).toBe(expected);
  });
});

describe('quorum', () => {
  it('settles a candidate when the same decision reaches the quorum, else returns it to the pool', () => {
    expect(effectOfDecision('MERGE', 2, rules)).toEqual({ kind: 'release' });
    expect(effectOfDecision('MERGE', 3, rules)).toEqual({ kind: 'settle', decision: 'MERGE' });
    expect(effectOfDecision('SPLIT', 3, rules)).toEqual({ kind: 'settle', decision: 'SPLIT' });
    expect(effectOfDecision('POSTPONE', 9, rules)).toEqual({ kind: 'release' });
  });
});
