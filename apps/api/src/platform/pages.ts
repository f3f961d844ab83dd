/**
 * Keyset pages for REST lists and GraphQL connections alike: Relay's arguments and shape, for any
 * collection. A resolver turns its arguments into a
 * `PageWindow` with `pageWindow`, asks its query for `window.limit` rows (one more than it shows),
 * and hands the rows to `toConnection`. Cursors are opaque base64 of the row's sort key as JSON.
 */
import { type CreationKey, DomainError, type InputError, isUuid, normalizeDateTime } from '@jabba/domain/platform';
import { z } from 'zod';

export const defaultPageSize = 50;
export const maxPageSize = 500;

export interface ConnectionArgs {
  first?: number | null;
  last?: number | null;
  after?: string | null;
  before?: string | null;
}

export interface PageWindow<K> {
  after: K | null;
  before: K | null;
  /** Rows to fetch: the page size plus one, so an extra row tells that more exist. */
  limit: number;
  /** Paginating backwards (`last`): the query reads the window from its end. */
  fromEnd: boolean;
  /** Rows to show. */
  size: number;
}

/** What the query reports besides its rows (`existsX` only matter when that cursor was given). */
export interface PageRows<R> {
  rows: R[];
  existsBeforeAfter: boolean;
  existsAfterBefore: boolean;
}

export interface Edge<R> {
  node: R;
  cursor: string;
}

export interface PageInfo {
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  startCursor: string | null;
  endCursor: string | null;
}

export interface Connection<R> {
  pageInfo: PageInfo;
  nodes: R[];
  edges: Edge<R>[];
}

export type KeyCodec<K> = {
  /** The sort key of a row, as JSON-serialisable values. */
  encode(key: K): unknown;
  /** Validates a decoded cursor value; null when it is not a key of this collection. */
  decode(value: unknown): K | null;
};

/** The parts a cursor may hold, each checked when the cursor comes back. */
export const cursorPart = {
  /** A timestamp exactly as the read models render it: UTC, six fractional digits. */
  timestamp: z.string().refine((value) => normalizeDateTime(value) === value),
  /** A uuid in the lower case the database returns. */
  id: z.string().refine((value) => isUuid(value) && value === value.toLowerCase()),
  text: z.string(),
  /** A task's position in its job (`seq`). */
  position: z.number().int().min(1),
};

/**
 * The codec of a sort key: a cursor holds the key's values in the order of `parts`, and only a
 * cursor whose every part checks out decodes: a cursor is ours or it is not a cursor.
 */
export function keyCodec<K extends object>(parts: { [F in keyof K]: z.ZodType<K[F]> }): KeyCodec<K> {
  const names = Object.keys(parts) as (keyof K & string)[];
  const tuple = z.tuple(names.map((name) => parts[name]) as unknown as [z.ZodType, ...z.ZodType[]]);
  return {
    encode: (key) => names.map((name) => key[name]),
    decode: (value) => {
      const parsed = tuple.safeParse(value);
      return parsed.success ? (Object.fromEntries(names.map((name, i) => [name, parsed.data[i]])) as K) : null;
    },
  };
}

/**
 * Cursors of lists in creation order (jobs, destinations): `[insertedAt, id]`, the same key in both
 * orders, so a cursor survives a switch of order.
 */
export const creationKeyCodec = keyCodec<CreationKey>({ insertedAt: cursorPart.timestamp, id: cursorPart.id });

export const creationKeyOf = (row: CreationKey): CreationKey => ({ insertedAt: row.insertedAt, id: row.id });

export const encodeCursor = (value: unknown): string => Buffer.from(JSON.stringify(value), 'utf8').toString('base64');

function decodeCursor<K>(cursor: string, codec: KeyCodec<K>): K | null {
  // Buffer.from is lenient with garbage; the round trip makes only our own encodings valid.
  const bytes = Buffer.from(cursor, 'base64');
  if (cursor.length === 0 || bytes.toString('base64') !== cursor) return null;
  try {
    return codec.decode(JSON.parse(bytes.toString('utf8')));
  } catch {
    return null;
  }
}

function checkSize(name: 'first' | 'last', value: number, errors: InputError[]): void {
  if (value < 0) errors.push({ path: `$.${name}`, message: `must be greater than or equal to 0` });
  else if (value > maxPageSize) errors.push({ path: `$.${name}`, message: `must be less than or equal to ${maxPageSize}` });
}

/** Validates Relay arguments; every problem is reported at once as UNPROCESSABLE_ENTITY. */
export function pageWindow<K>(args: ConnectionArgs, codec: KeyCodec<K>): PageWindow<K> {
  const errors: InputError[] = [];
  // GraphQL gives an omitted argument as undefined and an explicit null as null: both mean unset.
  const first = args.first ?? null;
  const last = args.last ?? null;
  if (first !== null && last !== null) {
    errors.push({ path: '$.last', message: 'cannot be combined with first' });
  }
  if (first !== null) checkSize('first', first, errors);
  if (last !== null) checkSize('last', last, errors);
  const cursor = (name: 'after' | 'before'): K | null => {
    const raw = args[name] ?? null;
    if (raw === null) return null;
    const key = decodeCursor(raw, codec);
    if (key === null) errors.push({ path: `$.${name}`, message: 'is not a valid cursor' });
    return key;
  };
  const after = cursor('after');
  const before = cursor('before');
  if (errors.length > 0) {
    throw new DomainError('UNPROCESSABLE_ENTITY', 'Validation failed', { inputErrors: errors });
  }
  const fromEnd = last !== null;
  const size = first ?? last ?? defaultPageSize;
  return { after, before, limit: size + 1, fromEnd, size };
}

/**
 * Trims the extra row and sets the flags. The flag on the side the client pages towards comes from
 * the extra row; the other side's flag is exact too, from the query's existence probe at the cursor.
 */
export function toConnection<R, K>(page: PageRows<R>, window: PageWindow<K>, keyOf: (row: R) => K, codec: KeyCodec<K>): Connection<R> {
  const overflow = page.rows.length > window.size;
  let rows = page.rows;
  if (overflow) rows = window.fromEnd ? rows.slice(rows.length - window.size) : rows.slice(0, window.size);
  const edges = rows.map((node) => ({ node, cursor: encodeCursor(codec.encode(keyOf(node))) }));
  const beyondAfter = window.after !== null && page.existsBeforeAfter;
  const beyondBefore = window.before !== null && page.existsAfterBefore;
  return {
    nodes: rows,
    edges,
    pageInfo: {
      hasNextPage: window.fromEnd ? beyondBefore : overflow || beyondBefore,
      hasPreviousPage: window.fromEnd ? overflow || beyondAfter : beyondAfter,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}
