/** The wait before `npm start` restarts a crashed process, in milliseconds. */
import { describe, expect, it } from 'vitest';
import { defaultRestartPolicy, nextRestart, seconds } from '../scripts/lib/restart-backoff';

/** The waits after `n` crashes in a row, each after a run of `ranMs`. */
function waits(n: number, ranMs: number): number[] {
  let crashes = 0;
  return Array.from({ length: n }, () => {
    const { delayMs, crashesInARow } = nextRestart(defaultRestartPolicy, crashes, ranMs);
    crashes = crashesInARow;
    return delayMs;
  });
}

describe('nextRestart', () => {
  it('waits 1 s after a first crash, doubling for each crash in a row up to 30 s', () => {
    expect(waits(8, 500)).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000]);
  });

  it('starts again from 1 s once a run lasted the healthy minute, and not a millisecond before', () => {
    expect(nextRestart(defaultRestartPolicy, 5, 59_999)).toEqual({ delayMs: 30_000, crashesInARow: 6 });
    expect(nextRestart(defaultRestartPolicy, 5, 60_000)).toEqual({ delayMs: 1000, crashesInARow: 1 });
    // A process that keeps crashing after healthy hours is restarted at once each time.
    expect(waits(3, 3_600_000)).toEqual([1000, 1000, 1000]);
  });

  it('stays at the cap however long the streak, and follows another policy', () => {
    expect(nextRestart(defaultRestartPolicy, 10_000, 0).delayMs).toBe(30_000);
    expect(nextRestart({ initialMs: 50, maxMs: 120, healthyAfterMs: 1000 }, 1, 10)).toEqual({ delayMs: 100, crashesInARow: 2 });
    expect(nextRestart({ initialMs: 50, maxMs: 120, healthyAfterMs: 1000 }, 2, 10)).toEqual({ delayMs: 120, crashesInARow: 3 });
  });

  it('says a delay in seconds as the log line does', () => {
    expect([seconds(1000), seconds(1500), seconds(30_000), seconds(12_345)]).toEqual(['1 s', '1.5 s', '30 s', '12.3 s']);
  });
});
