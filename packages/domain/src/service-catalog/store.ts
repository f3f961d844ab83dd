/**
 * Writing the service catalog (SPEC §6, seed 003): services, service groups and the inclusions of
 * services in groups. Each write is one transaction, and a rule that depends on a row's state reads
 * that row under a lock, so two writers deciding about the same row (a group deactivated while a
 * service is added to it, say) run one after the other. Codes and active inclusions are unique by
 * partial indexes; the inserts say `on conflict do nothing`, so a concurrent insert of the same code
 * or inclusion gets the same refusal as an earlier one, never a unique-violation error.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { DomainError, type InputError, inTransaction, type Raw, type Sql } from '../platform';
import { assertActive, conflict, notFound, serviceCatalogMessages as m, serviceCategoryDictionary } from './rules';
import {
  serviceColumns, serviceGroupColumns, toService, toServiceGroup, type ServiceGroupRow, type ServiceRow,
} from './queries';

export interface NewService {
  name: string;
  code: string;
  category?: string | null;
  /** Null or absent: the column's default (false). */
  isComposition?: boolean | null;
  /** Null or absent: the column's default (true). */
  requestAllowed?: boolean | null;
  /** The token's user: `inserted_by` and `updated_by`. */
  actorId: string;
}

export interface NewServiceGroup {
  name: string;
  code: string;
  requestAllowed: boolean;
  parentGroupId?: string | null;
  actorId: string;
}

export interface RequestAllowedChange {
  id: string;
  /** Null or absent keeps the stored value (the seed's input field is optional). */
  requestAllowed?: boolean | null;
  actorId: string;
}

export interface CatalogChange {
  id: string;
  actorId: string;
}

export interface InclusionChange {
  serviceId: string;
  serviceGroupId: string;
  actorId: string;
}

// The columns' limits (migration 8): a longer value must be a 422, not a check-constraint error.
const nameMaxLength = 100;
const codeMaxLength = 255;

const invalid = (inputErrors: InputError[]): DomainError => new DomainError('UNPROCESSABLE_ENTITY', 'Validation failed', { inputErrors });

/** Name and code trimmed, with what is wrong with them; lengths in characters, as varchar counts them. */
function checkNameAndCode(entry: { name: string; code: string }): { name: string; code: string; errors: InputError[] } {
  const name = entry.name.trim();
  const code = entry.code.trim();
  const errors: InputError[] = [];
  if (name === '') errors.push({ path: '$.name', message: 'is required' });
  else if ([...name].length > nameMaxLength) errors.push({ path: '$.name', message: `should be at most ${nameMaxLength} characters` });
  if (code === '') errors.push({ path: '$.code', message: 'is required' });
  else if ([...code].length > codeMaxLength) errors.push({ path: '$.code', message: `should be at most ${codeMaxLength} characters` });
  return { name, code, errors };
}

const codeTaken = (kind: 'service' | 'group'): InputError => ({
  path: '$.code',
  message: `is already used by an active ${kind === 'service' ? 'service' : 'service group'}`,
});

type LockMode = 'update' | 'share';

async function lockService(sql: Sql, id: string, mode: LockMode): Promise<ServiceRow | null> {
  const [row] = await sql.query<Raw>(`select ${serviceColumns('s')} from services s where s.id = $1 for ${mode}`, [id]);
  return row ? toService(row) : null;
}

async function lockGroup(sql: Sql, id: string, mode: LockMode): Promise<ServiceGroupRow | null> {
  const [row] = await sql.query<Raw>(`select ${serviceGroupColumns('g')} from service_groups g where g.id = $1 for ${mode}`, [id]);
  return row ? toServiceGroup(row) : null;
}

export async function createService(em: EntityManager, s: NewService): Promise<ServiceRow> {
  const { name, code, errors } = checkNameAndCode(s);
  const category = s.category ?? null;
  return inTransaction(em, async ({ sql }) => {
    // Both questions in one round trip, so the answer lists every problem of the input at once.
    const [found] = await sql.query<{ code_taken: boolean; category_known: boolean }>(
      `select exists (select 1 from services where code = $1 and is_active) as code_taken,
              $2::text is null or exists (select 1 from dictionaries where name = $3 and code = $2 and is_active) as category_known`,
      [code, category, serviceCategoryDictionary],
    );
    if (found?.code_taken) errors.push(codeTaken('service'));
    if (!found?.category_known) errors.push({ path: '$.category', message: `is not in the ${serviceCategoryDictionary} dictionary` });
    if (errors.length > 0) throw invalid(errors);
    const [row] = await sql.query<Raw>(
      `insert into services as s (code, name, category, is_composition, request_allowed, inserted_by, updated_by)
       values ($1, $2, $3, coalesce($4::boolean, false), coalesce($5::boolean, true), $6, $6)
       on conflict (code) where is_active do nothing
       returning ${serviceColumns('s')}`,
      [code, name, category, s.isComposition ?? null, s.requestAllowed ?? null, s.actorId],
    );
    // Taken by a transaction that committed after the check above.
    if (!row) throw invalid([codeTaken('service')]);
    return toService(row);
  });
}

export async function updateService(em: EntityManager, change: RequestAllowedChange): Promise<ServiceRow> {
  return inTransaction(em, async ({ sql }) => {
    assertActive(await lockService(sql, change.id, 'update'), 'service');
    const [row] = await sql.query<Raw>(
      `update services s set request_allowed = coalesce($2::boolean, s.request_allowed), updated_by = $3, updated_at = now()
       where s.id = $1 returning ${serviceColumns('s')}`,
      [change.id, change.requestAllowed ?? null, change.actorId],
    );
    return toService(row!);
  });
}

/**
 * An inactive service can never be active again (its code may go to a new service), so its
 * inclusions go with it: no group keeps including a service that is gone.
 */
export async function deactivateService(em: EntityManager, change: CatalogChange): Promise<ServiceRow> {
  return inTransaction(em, async ({ sql }) => {
    const service = await lockService(sql, change.id, 'update');
    if (!service) throw notFound(m.serviceNotFound);
    if (!service.isActive) throw conflict(m.serviceAlreadyInactive);
    const [row] = await sql.query<Raw>(
      `update services s set is_active = false, updated_by = $2, updated_at = now() where s.id = $1 returning ${serviceColumns('s')}`,
      [change.id, change.actorId],
    );
    await sql.query(
      'update service_inclusions set is_active = false, updated_by = $2, updated_at = now() where service_id = $1 and is_active',
      [change.id, change.actorId],
    );
    return toService(row!);
  });
}

export async function createServiceGroup(em: EntityManager, g: NewServiceGroup): Promise<ServiceGroupRow> {
  const { name, code, errors } = checkNameAndCode(g);
  return inTransaction(em, async ({ sql }) => {
    const [found] = await sql.query<{ code_taken: boolean }>(
      'select exists (select 1 from service_groups where code = $1 and is_active) as code_taken',
      [code],
    );
    if (found?.code_taken) errors.push(codeTaken('group'));
    if (errors.length > 0) throw invalid(errors);
    // Shared lock: the parent cannot be deactivated until the child is in.
    if (g.parentGroupId) assertActive(await lockGroup(sql, g.parentGroupId, 'share'), 'group');
    const [row] = await sql.query<Raw>(
      `insert into service_groups as g (code, name, request_allowed, parent_group_id, inserted_by, updated_by)
       values ($1, $2, $3, $4, $5, $5)
       on conflict (code) where is_active do nothing
       returning ${serviceGroupColumns('g')}`,
      [code, name, g.requestAllowed, g.parentGroupId ?? null, g.actorId],
    );
    if (!row) throw invalid([codeTaken('group')]);
    return toServiceGroup(row);
  });
}

export async function updateServiceGroup(em: EntityManager, change: RequestAllowedChange): Promise<ServiceGroupRow> {
  return inTransaction(em, async ({ sql }) => {
    assertActive(await lockGroup(sql, change.id, 'update'), 'group');
    const [row] = await sql.query<Raw>(
      `update service_groups g set request_allowed = coalesce($2::boolean, g.request_allowed), updated_by = $3, updated_at = now()
       where g.id = $1 returning ${serviceGroupColumns('g')}`,
      [change.id, change.requestAllowed ?? null, change.actorId],
    );
    return toServiceGroup(row!);
  });
}

/**
 * Refused while the group includes an active service. Inclusions of services already inactive
 * (none, unless written around `deactivateService`) end with the group. The group's lock makes a
 * concurrent `addServiceToGroup` land wholly before the check or find the group inactive.
 */
export async function deactivateServiceGroup(em: EntityManager, change: CatalogChange): Promise<ServiceGroupRow> {
  return inTransaction(em, async ({ sql }) => {
    const group = await lockGroup(sql, change.id, 'update');
    if (!group) throw notFound(m.groupNotFound);
    if (!group.isActive) throw conflict(m.groupAlreadyInactive);
    const [included] = await sql.query<{ active: boolean }>(
      `select exists (select 1 from service_inclusions i join services s on s.id = i.service_id
                      where i.service_group_id = $1 and i.is_active and s.is_active) as active`,
      [change.id],
    );
    if (included?.active) throw conflict(m.groupHasActiveServices);
    const [row] = await sql.query<Raw>(
      `update service_groups g set is_active = false, updated_by = $2, updated_at = now() where g.id = $1 returning ${serviceGroupColumns('g')}`,
      [change.id, change.actorId],
    );
    await sql.query(
      'update service_inclusions set is_active = false, updated_by = $2, updated_at = now() where service_group_id = $1 and is_active',
      [change.id, change.actorId],
    );
    return toServiceGroup(row!);
  });
}

/** Includes an active service in an active group; returns the group. */
export async function addServiceToGroup(em: EntityManager, change: InclusionChange): Promise<ServiceGroupRow> {
  return inTransaction(em, async ({ sql }) => {
    // Shared locks: neither row can be deactivated until the inclusion is in; adds do not wait on each other.
    const group = await lockGroup(sql, change.serviceGroupId, 'share');
    const service = await lockService(sql, change.serviceId, 'share');
    if (!service) throw notFound(m.serviceNotFound);
    if (!group) throw notFound(m.groupNotFound);
    assertActive(service, 'service');
    assertActive(group, 'group');
    const inserted = await sql.query(
      `insert into service_inclusions (service_id, service_group_id, inserted_by, updated_by) values ($1, $2, $3, $3)
       on conflict (service_group_id, service_id) where is_active do nothing returning id`,
      [change.serviceId, change.serviceGroupId, change.actorId],
    );
    if (inserted.length === 0) throw conflict(m.inclusionExists);
    return group;
  });
}

/** Ends the active inclusion of the service in the group; returns the group. */
export async function deleteServiceFromGroup(em: EntityManager, change: InclusionChange): Promise<ServiceGroupRow> {
  return inTransaction(em, async ({ sql }) => {
    const ended = await sql.query(
      `update service_inclusions set is_active = false, updated_by = $3, updated_at = now()
       where service_id = $1 and service_group_id = $2 and is_active returning id`,
      [change.serviceId, change.serviceGroupId, change.actorId],
    );
    if (ended.length === 0) throw notFound(m.inclusionNotFound);
    // The inclusion's foreign key guarantees the group.
    const [row] = await sql.query<Raw>(`select ${serviceGroupColumns('g')} from service_groups g where g.id = $1`, [change.serviceGroupId]);
    return toServiceGroup(row!);
  });
}
