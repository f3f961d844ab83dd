/**
 * The clients the api serves and their users' roles (tables of Migration20261122000001).
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { isoMicros, sqlOf } from '../platform';

export const clientTypes = ['NHS', 'MIS', 'MSP', 'PHARMACY'] as const;
export type ClientType = (typeof clientTypes)[number];
export const clientStatuses = ['ACTIVE', 'SUSPENDED', 'CLOSED'] as const;
export type ClientStatus = (typeof clientStatuses)[number];

export interface Client {
  id: string;
  name: string;
  type: ClientType;
  status: ClientStatus;
  isBlocked: boolean;
  /** ISO-8601 UTC with microseconds. */
  insertedAt: string;
  updatedAt: string;
}

const clientColumns = `id, name, type, status, is_blocked as "isBlocked",
  ${isoMicros('inserted_at')} as "insertedAt", ${isoMicros('updated_at')} as "updatedAt"`;

export async function findClient(em: EntityManager, id: string): Promise<Client | null> {
  const [client] = await sqlOf(em).query<Client>(`select ${clientColumns} from clients where id = $1`, [id]);
  return client ?? null;
}

export async function hasRole(em: EntityManager, userId: string, clientId: string, role: string): Promise<boolean> {
  const rows = await sqlOf(em).query(
    'select 1 from user_roles where user_id = $1 and client_id = $2 and role = $3',
    [userId, clientId, role],
  );
  return rows.length > 0;
}

/** The user's roles at the client, as stored, in name order. */
export async function rolesOf(em: EntityManager, userId: string, clientId: string): Promise<string[]> {
  const rows = await sqlOf(em).query<{ role: string }>(
    'select role from user_roles where user_id = $1 and client_id = $2 order by role',
    [userId, clientId],
  );
  return rows.map((r) => r.role);
}

export interface NewClient {
  id: string;
  name: string;
  type: ClientType;
  status?: ClientStatus;
  isBlocked?: boolean;
}

/** Creates the client, or overwrites every given field of the one with its id; returns it as stored. */
export async function upsertClient(em: EntityManager, input: NewClient): Promise<Client> {
  const [client] = await sqlOf(em).query<Client>(
    `insert into clients (id, name, type, status, is_blocked) values ($1, $2, $3, $4, $5)
     on conflict (id) do update
       set name = excluded.name, type = excluded.type, status = excluded.status, is_blocked = excluded.is_blocked, updated_at = now()
     returning ${clientColumns}`,
    [input.id, input.name, input.type, input.status ?? 'ACTIVE', input.isBlocked ?? false],
  );
  return client!;
}

export async function addUserRole(em: EntityManager, userId: string, clientId: string, role: string): Promise<void> {
  await sqlOf(em).query(
    'insert into user_roles (user_id, client_id, role) values ($1, $2, $3) on conflict do nothing',
    [userId, clientId, role],
  );
}
