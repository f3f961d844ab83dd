/**
 * One reader per key per api process, however many watch it: a Map of key → {watchers, timer}. The
 * first watcher of a key starts polling it (one read per interval, the next read scheduled only once
 * the last one finished, so reads never pile up); every read goes to every watcher, which decides
 * for itself what is new to it; the last watcher to leave stops the polling. The cost in Postgres
 * therefore grows with the keys watched, never with the watchers.
 *
 * Bounded: at most `maxWatchers` at once per process (one more is BUSY, a 503 with Retry-After),
 * and `close()` (shutdown) ends every watch so open streams never hold the server open.
 */
import { DomainError, type Logger } from '@jabba/domain/platform';

/** What a read found: `version` names the state (equal versions, equal states), `final` that it will not change again. */
export interface Snapshot<T> {
  version: string;
  value: T;
  final: boolean;
}

export interface Watcher<T> {
  /** Every read of the key (null: it no longer exists), and at once the latest one the hub holds. */
  next(snapshot: Snapshot<T> | null): void;
  /** After every read, changed or not: for upkeep that goes by the clock (keep-alives, deadlines). */
  tick(nowMs: number): void;
  /** The hub is closing: end the watch. */
  close(): void;
}

export interface PollHubStats {
  /** Keys being polled. */
  keys: number;
  watchers: number;
  /** Reads since the hub started, of every key. */
  reads: number;
}

export interface PollHub<T> {
  /** Starts watching `key`; the function returned stops. Throws BUSY when full or closing. */
  watch(key: string, watcher: Watcher<T>): () => void;
  stats(): PollHubStats;
  /** Ends every watch and refuses new ones. */
  close(): void;
}

/** Runs `run` after `ms`; the function returned cancels it. Tests pass a clock they drive. */
export type Schedule = (run: () => void, ms: number) => () => void;

export const realSchedule: Schedule = (run, ms) => {
  const timer = setTimeout(run, ms);
  timer.unref();
  return () => clearTimeout(timer);
};

export interface PollHubOptions<T> {
  /** What the hub polls, named in its log lines, e.g. `job events`. */
  name: string;
  read(key: string): Promise<Snapshot<T> | null>;
  intervalMs: number;
  maxWatchers: number;
  /** What a refused caller is told to wait. */
  retryAfterSeconds: number;
  logger: Logger;
  schedule?: Schedule;
}

interface Entry<T> {
  watchers: Set<Watcher<T>>;
  cancel: (() => void) | null;
  /** The last read, handed to a watcher that joins (undefined: none yet). */
  latest: Snapshot<T> | null | undefined;
  reads: number;
  since: number;
  peakWatchers: number;
}

export function pollHub<T>(options: PollHubOptions<T>): PollHub<T> {
  const { name, intervalMs, maxWatchers, logger, schedule = realSchedule } = options;
  const entries = new Map<string, Entry<T>>();
  let watchers = 0;
  let reads = 0;
  let closed = false;

  const poll = async (key: string, entry: Entry<T>): Promise<void> => {
    entry.cancel = null;
    try {
      entry.latest = await options.read(key);
      entry.reads += 1;
      reads += 1;
      // A watcher may leave (and so change the set) while it is told.
      for (const watcher of [...entry.watchers]) watcher.next(entry.latest);
    } catch (error) {
      logger.warn({ err: error, key }, `${name}: read failed; trying again at the next interval`);
    }
    const now = Date.now();
    for (const watcher of [...entry.watchers]) watcher.tick(now);
    // Polling on only while the entry is still the key's (its last watcher may have left meanwhile).
    if (entries.get(key) === entry && entry.watchers.size > 0) scheduleNext(key, entry);
  };

  const scheduleNext = (key: string, entry: Entry<T>): void => {
    entry.cancel = schedule(() => void poll(key, entry), intervalMs);
  };

  const leave = (key: string, entry: Entry<T>, watcher: Watcher<T>): void => {
    if (!entry.watchers.delete(watcher)) return;
    watchers -= 1;
    if (entry.watchers.size > 0 || entries.get(key) !== entry) return;
    entry.cancel?.();
    entries.delete(key);
    logger.info({ key, reads: entry.reads, watchedMs: Date.now() - entry.since, peakWatchers: entry.peakWatchers }, `${name}: last watcher left`);
  };

  return {
    watch(key, watcher) {
      if (closed || watchers >= maxWatchers) {
        const why = closed ? 'This api process is shutting down' : `This api process serves ${maxWatchers} event streams already`;
        throw new DomainError('BUSY', `${why}; try again in ${options.retryAfterSeconds} seconds`, { retryAfterSeconds: options.retryAfterSeconds });
      }
      let entry = entries.get(key);
      if (!entry) {
        entry = { watchers: new Set(), cancel: null, latest: undefined, reads: 0, since: Date.now(), peakWatchers: 0 };
        entries.set(key, entry);
        scheduleNext(key, entry);
      }
      entry.watchers.add(watcher);
      watchers += 1;
      entry.peakWatchers = Math.max(entry.peakWatchers, entry.watchers.size);
      if (entry.latest !== undefined) watcher.next(entry.latest);
      const joined = entry;
      return () => leave(key, joined, watcher);
    },
    stats: () => ({ keys: entries.size, watchers, reads }),
    close() {
      closed = true;
      for (const [key, entry] of [...entries]) {
        for (const watcher of [...entry.watchers]) {
          watcher.close();
          leave(key, entry, watcher);
        }
        entry.cancel?.();
        entries.delete(key);
      }
    },
  };
}
