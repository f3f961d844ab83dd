import type { EntityManager } from '@mikro-orm/postgresql';
import { ClientSchema, UserRoleSchema, type Client, type ClientStatus, type ClientType } from '../platform/entities';

export const findClient = (em: EntityManager, id: string): Promise<Client | null> => em.findOne(ClientSchema, { id });

export async function hasRole(em: EntityManager, userId: string, clientId: string, role: string): Promise<boolean> {
  return (await em.count(UserRoleSchema, { userId, clientId, role })) > 0;
}

export interface NewClient {
  id: string;
  name: string;
  type: ClientType;
  status?: ClientStatus;
  isBlocked?: boolean;
}

export async function upsertClient(em: EntityManager, input: NewClient): Promise<Client> {
  await em.upsert(ClientSchema, { status: 'ACTIVE', isBlocked: false, ...input }, { onConflictFields: ['id'] });
  return em.findOneOrFail(ClientSchema, { id: input.id }, { refresh: true });
}

export async function addUserRole(em: EntityManager, userId: string, clientId: string, role: string): Promise<void> {
  await em.execute(
    `insert into user_roles (user_id, client_id, role) values (?, ?, ?) on conflict do nothing`,
    [userId, clientId, role],
  );
}
