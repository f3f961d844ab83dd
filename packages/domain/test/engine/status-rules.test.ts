import { describe, expect, it } from 'vitest';
import { abortableTaskStatuses, assertRetryable, canTransition, emptyCounters, jobOutcome, failedTaskStatuses, statusesLeadingTo, unfinishedTaskStatuses } from '../../src/engine/status-rules';

describe('job state rules', () => {
  it('a job with unfinished tasks is PENDING', () => {
    expect(jobOutcome({ ...emptyCounters(), total: 2, PROCESSED: 1, PENDING: 1 })).toBe('PENDING');
    expect(jobOutcome({ ...emptyCounters(), total: 2, PROCESSED: 1, NEW: 1 })).toBe('PENDING');
    expect(jobOutcome({ ...emptyCounters(), total: 2, PROCESSED: 1, CONSUMED: 1 })).toBe('PENDING');
  });
  it('a job ends PROCESSED only when every task was processed', () => {
    expect(jobOutcome({ ...emptyCounters(), total: 2, PROCESSED: 2 })).toBe('PROCESSED');
    expect(jobOutcome({ ...emptyCounters(), total: 2, PROCESSED: 1, FAILED: 1 })).toBe('FAILED');
    expect(jobOutcome({ ...emptyCounters(), total: 2, PROCESSED: 1, RESCUED: 1 })).toBe('FAILED');
    expect(jobOutcome({ ...emptyCounters(), total: 2, PROCESSED: 1, ABORTED: 1 })).toBe('FAILED');
  });
  it('only queued tasks can run, and finished tasks never run again', () => {
    expect(statusesLeadingTo('PROCESSED')).toEqual(['PENDING', 'CONSUMED']);
    expect(statusesLeadingTo('ABORTED')).toEqual(['NEW', 'PENDING', 'CONSUMED']);
    expect(canTransition('PROCESSED', 'PENDING')).toBe(false);
    expect(canTransition('FAILED', 'PENDING')).toBe(true);
  });
  it('retry needs an ended job with failed tasks', () => {
    expect(() => assertRetryable('j', 'PENDING', emptyCounters())).toThrow('Job j is still running');
    expect(() => assertRetryable('j', 'PROCESSED', { ...emptyCounters(), total: 1, PROCESSED: 1 })).toThrow('Job j has no failed tasks');
    expect(() => assertRetryable('j', 'FAILED', { ...emptyCounters(), total: 1, RESCUED: 1 })).not.toThrow();
  });
  it('the sets the engine acts on agree with the transition table', () => {
    for (const s of abortableTaskStatuses) expect(canTransition(s, 'ABORTED')).toBe(true);
    for (const s of failedTaskStatuses) expect(canTransition(s, 'PENDING')).toBe(true);
    // Unfinished = may still end PROCESSED without a retry: NEW (through PENDING), PENDING, CONSUMED.
    expect(new Set(unfinishedTaskStatuses)).toEqual(new Set(['NEW', ...statusesLeadingTo('PROCESSED')]));
  });
});
