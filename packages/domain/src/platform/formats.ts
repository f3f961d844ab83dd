/**
 * The text formats of values callers hand us and we hand back: uuids and timestamps. Pure.
 */

/**
 * What counts as a uuid wherever a caller hands us one (a path segment, a CSV cell, a GraphQL
 * argument): any 8-4-4-4-12 hex string, in either case. Looser than RFC 9562 on purpose: ids from
 * other registries (person ids, merge candidate ids) come as they are.
 */
export const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const isUuid = (value: string): boolean => uuidPattern.test(value);

/** Timestamps as the api reads and writes them: ISO-8601 UTC text with microseconds. */
/** ISO-8601 UTC with microseconds, e.g. `2026-11-22T10:29:32.099359Z`. */
export type IsoTimestamp = string;

const dateTimePattern = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Normalises an ISO-8601 timestamp to UTC with six fractional digits, as text: going through a
 * JS Date would drop the microseconds Postgres keeps. The fraction survives the shift to UTC
 * unchanged because offsets are whole minutes.
 */
export function normalizeDateTime(value: string): IsoTimestamp | null {
  const m = dateTimePattern.exec(value);
  if (!m) return null;
  const [, y, mo, d, h, mi, s, fraction = '', zone = 'Z'] = m;
  const wall = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  const check = new Date(wall);
  // Date.UTC rolls 2026-02-30 over to March; a rolled-over date is not the date that was written.
  if (check.getUTCDate() !== Number(d) || check.getUTCMonth() !== Number(mo) - 1 || Number(h) > 23 || Number(s) > 59) {
    return null;
  }
  const offsetMinutes = zone === 'Z' ? 0 : (zone.startsWith('-') ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
  const utc = new Date(wall - offsetMinutes * 60_000).toISOString().slice(0, 19);
  return `${utc}.${fraction.padEnd(6, '0')}Z`;
}
