/**
 * Reading the service catalog (SPEC §6): one row shape per table for the GraphQL read side and the
 * mutations' payloads (timestamps as text with microseconds), the filters and orders of seed 003,
 * keyset pages of the top-level lists, and the nested connections batched: one statement answers
 * a field for a whole set of parents. Writes live with their use cases.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { creationOrder, DomainError, isoMicros, type IsoTimestamp, keysetPage, keysetPagesByParent, type KeysetPage, type KeysetQuery, param, type Raw, sqlOf } from '../platform';

export interface ServiceRow {
  id: string;
  code: string;
  name: string;
  category: string | null;
  isActive: boolean;
  isComposition: boolean;
  requestAllowed: boolean;
  insertedBy: string | null;
  updatedBy: string | null;
  insertedAt: IsoTimestamp;
  updatedAt: IsoTimestamp;
}

export interface ServiceGroupRow {
  id: string;
  code: string;
  name: string;
  isActive: boolean;
  parentGroupId: string | null;
  requestAllowed: boolean;
  insertedBy: string | null;
  updatedBy: string | null;
  insertedAt: IsoTimestamp;
  updatedAt: IsoTimestamp;
}

/** Columns of `services <alias>` in the shape `toService` reads. */
export const serviceColumns = (a: string): string =>
  `${a}.id, ${a}.code, ${a}.name, ${a}.category, ${a}.is_active, ${a}.is_composition, ${a}.request_allowed,
  ${a}.inserted_by, ${a}.updated_by, ${isoMicros(`${a}.inserted_at`)} as inserted_at, ${isoMicros(`${a}.updated_at`)} as updated_at`;

/** Columns of `service_groups <alias>` in the shape `toServiceGroup` reads. */
export const serviceGroupColumns = (a: string): string =>
  `${a}.id, ${a}.code, ${a}.name, ${a}.is_active, ${a}.parent_group_id, ${a}.request_allowed,
  ${a}.inserted_by, ${a}.updated_by, ${isoMicros(`${a}.inserted_at`)} as inserted_at, ${isoMicros(`${a}.updated_at`)} as updated_at`;

export const toService = (r: Raw): ServiceRow => ({
  id: r.id as string,
  code: r.code as string,
  name: r.name as string,
  category: r.category as string | null,
  isActive: r.is_active as boolean,
  isComposition: r.is_composition as boolean,
  requestAllowed: r.request_allowed as boolean,
  insertedBy: r.inserted_by as string | null,
  updatedBy: r.updated_by as string | null,
  insertedAt: r.inserted_at as string,
  updatedAt: r.updated_at as string,
});

export const toServiceGroup = (r: Raw): ServiceGroupRow => ({
  id: r.id as string,
  code: r.code as string,
  name: r.name as string,
  isActive: r.is_active as boolean,
  parentGroupId: r.parent_group_id as string | null,
  requestAllowed: r.request_allowed as boolean,
  insertedBy: r.inserted_by as string | null,
  updatedBy: r.updated_by as string | null,
  insertedAt: r.inserted_at as string,
  updatedAt: r.updated_at as string,
});

export async function findService(em: EntityManager, id: string): Promise<ServiceRow | null> {
  const [row] = await sqlOf(em).query<Raw>(`select ${serviceColumns('s')} from services s where s.id = $1`, [id]);
  return row ? toService(row) : null;
}

export async function findServiceGroup(em: EntityManager, id: string): Promise<ServiceGroupRow | null> {
  const [row] = await sqlOf(em).query<Raw>(`select ${serviceGroupColumns('g')} from service_groups g where g.id = $1`, [id]);
  return row ? toServiceGroup(row) : null;
}

export async function findServiceGroups(em: EntityManager, ids: readonly string[]): Promise<Map<string, ServiceGroupRow>> {
  const rows = await sqlOf(em).query<Raw>(`select ${serviceGroupColumns('g')} from service_groups g where g.id = any($1::uuid[])`, [distinct(ids)]);
  return new Map(rows.map((r) => [r.id as string, toServiceGroup(r)]));
}

/** Each id once (an array parameter: pg sends it as a Postgres array). */
const distinct = (ids: readonly string[]): string[] => [...new Set(ids)];

export const catalogOrders = ['CODE_ASC', 'CODE_DESC', 'INSERTED_AT_ASC', 'INSERTED_AT_DESC', 'NAME_ASC', 'NAME_DESC'] as const;
export type CatalogOrder = (typeof catalogOrders)[number];

/** Position of a row in every order: a cursor carries all of it, so it survives a switch of order. */
export interface CatalogKey {
  insertedAt: string;
  code: string;
  name: string;
  id: string;
}

export const catalogKeyOf = (row: ServiceRow | ServiceGroupRow): CatalogKey => ({ insertedAt: row.insertedAt, code: row.code, name: row.name, id: row.id });

type Order = Pick<KeysetQuery<CatalogKey>, 'key' | 'orderColumns' | 'ascending'>;

/** Each order is a row comparison on an index of Migration20261122000008 (`id` breaks ties). */
function orderOf(alias: string, order: CatalogOrder): Order {
  const ascending = order.endsWith('_ASC');
  if (order.startsWith('INSERTED_AT')) return { ...creationOrder(alias), ascending };
  const field = order.startsWith('CODE') ? 'code' : 'name';
  return {
    key: { sql: `(${alias}.${field}, ${alias}.id)`, values: (k) => [k[field], k.id], casts: [null, 'uuid'] },
    orderColumns: [`${alias}.${field}`, `${alias}.id`],
    ascending,
  };
}

export interface ServiceFilter {
  databaseId?: string | null;
  name?: string | null;
  code?: string | null;
  isActive?: boolean | null;
  category?: string | null;
}

export interface ServiceGroupFilter {
  databaseId?: string | null;
  name?: string | null;
  code?: string | null;
  isActive?: boolean | null;
  /** Conditions on the parent group; given (even empty), only groups with such a parent match. */
  parentGroup?: ServiceGroupFilter | null;
}

/** Conditions whose placeholders `$1`… number `params`. */
interface Conditions {
  where: string[];
  params: unknown[];
}

/** Deeper `parentGroup` nesting is refused: no catalog is that deep, and each level is a subquery. */
export const maxParentGroupNesting = 8;

/** An ILIKE pattern matching `text` anywhere, its wildcards taken literally (`\` is the default escape). */
const containing = (text: string): string => `%${text.replace(/[\\%_]/g, '\\$&')}%`;

const isSet = <T>(value: T | null | undefined): value is T => value !== undefined && value !== null;

/** The fields both filters share; a null field is unset, as GraphQL gives an explicit null. */
function commonConditions(a: string, f: ServiceFilter | ServiceGroupFilter, out: Conditions): void {
  const p = (value: unknown, cast: string | null = null): string => param(out.params, value, cast);
  if (isSet(f.databaseId)) out.where.push(`${a}.id = ${p(f.databaseId, 'uuid')}`);
  if (isSet(f.name)) out.where.push(`${a}.name ilike ${p(containing(f.name))}`);
  // A prefix, compared as text: codes are identifiers, and case matters in them.
  if (isSet(f.code)) out.where.push(`starts_with(${a}.code, ${p(f.code)})`);
  if (isSet(f.isActive)) out.where.push(`${a}.is_active = ${p(f.isActive)}`);
}

export function serviceConditions(a: string, f: ServiceFilter | null | undefined): Conditions {
  const out: Conditions = { where: [], params: [] };
  if (!f) return out;
  commonConditions(a, f, out);
  if (isSet(f.category)) out.where.push(`${a}.category ilike ${param(out.params, containing(f.category))}`);
  return out;
}

/**
 * `depth` counts the `parentGroup` levels above the filter being read (0: the argument itself);
 * a nested level numbers its placeholders on in the same `params`.
 */
export function groupConditions(a: string, f: ServiceGroupFilter | null | undefined, depth = 0, params: unknown[] = []): Conditions {
  const out: Conditions = { where: [], params };
  if (!f) return out;
  commonConditions(a, f, out);
  if (isSet(f.parentGroup)) {
    if (depth + 1 > maxParentGroupNesting) {
      throw new DomainError('UNPROCESSABLE_ENTITY', 'Validation failed', {
        inputErrors: [{ path: `$.filter${'.parentGroup'.repeat(depth + 1)}`, message: `must not be nested more than ${maxParentGroupNesting} levels deep` }],
      });
    }
    const parent = groupConditions(`${a}p`, f.parentGroup, depth + 1, out.params);
    out.where.push(`exists (select 1 from service_groups ${a}p where ${[`${a}p.id = ${a}.parent_group_id`, ...parent.where].join(' and ')})`);
  }
  return out;
}

export interface CatalogPageQuery<F> {
  filter?: F | null;
  order: CatalogOrder;
  /** Exclusive bounds, in the order's direction. */
  after?: CatalogKey | null;
  before?: CatalogKey | null;
  /** Rows to read; callers ask for one more than they show to learn whether more exist. */
  limit: number;
  /** Read the window from its end (Relay `last`); rows still come back in the order's direction. */
  fromEnd: boolean;
}

export interface CatalogPage<R> extends Omit<KeysetPage, 'rows'> {
  rows: R[];
}

/** What a list reads: its table with alias, its columns, its filter, and how a row comes back. */
interface Listing<R> {
  from: string;
  alias: string;
  select: string;
  conditions: Conditions;
  to: (r: Raw) => R;
}

const serviceListing = (from: string, filter: ServiceFilter | null | undefined): Listing<ServiceRow> =>
  ({ from, alias: 's', select: serviceColumns('s'), conditions: serviceConditions('s', filter), to: toService });

const groupListing = (from: string, filter: ServiceGroupFilter | null | undefined): Listing<ServiceGroupRow> =>
  ({ from, alias: 'g', select: serviceGroupColumns('g'), conditions: groupConditions('g', filter), to: toServiceGroup });

async function pageListing<R>(em: EntityManager, l: Listing<R>, q: CatalogPageQuery<unknown>): Promise<CatalogPage<R>> {
  const page = await keysetPage<CatalogKey>(em, {
    from: l.from, select: l.select, ...l.conditions, ...orderOf(l.alias, q.order),
    after: q.after, before: q.before, limit: q.limit, fromEnd: q.fromEnd,
  });
  return { ...page, rows: page.rows.map(l.to) };
}

export const pageServices = (em: EntityManager, q: CatalogPageQuery<ServiceFilter>): Promise<CatalogPage<ServiceRow>> =>
  pageListing(em, serviceListing('services s', q.filter), q);

export const pageServiceGroups = (em: EntityManager, q: CatalogPageQuery<ServiceGroupFilter>): Promise<CatalogPage<ServiceGroupRow>> =>
  pageListing(em, groupListing('service_groups g', q.filter), q);

/** One page per parent, for many parents in one statement (keysetPagesByParent). */
async function pageByParent<R>(em: EntityManager, l: Listing<R>, parentColumn: string, parentIds: readonly string[], q: CatalogPageQuery<unknown>): Promise<Map<string, CatalogPage<R>>> {
  const pages = await keysetPagesByParent<CatalogKey>(em, {
    from: l.from, select: l.select, ...l.conditions, ...orderOf(l.alias, q.order),
    after: q.after, before: q.before, limit: q.limit, fromEnd: q.fromEnd, parentColumn, parentIds,
  });
  return new Map([...pages].map(([parent, page]) => [parent, { ...page, rows: page.rows.map(l.to) }]));
}

const activeInclusion = (on: string): string => `join service_inclusions i on ${on} and i.is_active`;

/** The services each group includes (active inclusions only). */
export const pageServicesOfGroups = (em: EntityManager, groupIds: readonly string[], q: CatalogPageQuery<ServiceFilter>): Promise<Map<string, CatalogPage<ServiceRow>>> =>
  pageByParent(em, serviceListing(`services s ${activeInclusion('i.service_id = s.id')}`, q.filter), 'i.service_group_id', groupIds, q);

/** The groups each service is included in (active inclusions only). */
export const pageGroupsOfServices = (em: EntityManager, serviceIds: readonly string[], q: CatalogPageQuery<ServiceGroupFilter>): Promise<Map<string, CatalogPage<ServiceGroupRow>>> =>
  pageByParent(em, groupListing(`service_groups g ${activeInclusion('i.service_group_id = g.id')}`, q.filter), 'i.service_id', serviceIds, q);

/** The direct sub-groups of each group. */
export const pageSubGroups = (em: EntityManager, parentIds: readonly string[], q: CatalogPageQuery<ServiceGroupFilter>): Promise<Map<string, CatalogPage<ServiceGroupRow>>> =>
  pageByParent(em, groupListing('service_groups g', q.filter), 'g.parent_group_id', parentIds, q);
