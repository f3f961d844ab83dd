/**
 * How long `npm start` waits before restarting a process that crashed: 1 s, doubled for each crash
 * in a row up to 30 s, and back to 1 s once the process had run healthily for a minute. A process
 * that crashes at start (a bad setting, a port in use) is thus retried twice a minute rather than
 * in a hot loop, and one that crashes once a day is back within a second. Pure, for its unit test.
 */

export interface RestartPolicy {
  /** The wait after a first crash, in ms. */
  initialMs: number;
  /** The longest wait, in ms. */
  maxMs: number;
  /** A run at least this long (ms) was healthy: the next crash counts as a first one again. */
  healthyAfterMs: number;
}

export const defaultRestartPolicy: RestartPolicy = { initialMs: 1000, maxMs: 30_000, healthyAfterMs: 60_000 };

export interface RestartDecision {
  /** Wait this long (ms) before starting the process again. */
  delayMs: number;
  /** Crashes in a row, this one included: what to pass as `crashesBefore` at the next crash. */
  crashesInARow: number;
}

/** The restart after a crash of a process that ran `ranMs`, after `crashesBefore` crashes in a row. */
export function nextRestart(policy: RestartPolicy, crashesBefore: number, ranMs: number): RestartDecision {
  const previous = ranMs >= policy.healthyAfterMs ? 0 : crashesBefore;
  // 2 ** previous grows past any maxMs long before it leaves the safe integers; min() caps it.
  const delayMs = Math.min(policy.maxMs, policy.initialMs * 2 ** Math.min(previous, 30));
  return { delayMs, crashesInARow: previous + 1 };
}

/** `1 s`, `1.5 s`, `30 s`: a delay as the log line says it. */
export const seconds = (ms: number): string => `${Number((ms / 1000).toFixed(1))} s`;
