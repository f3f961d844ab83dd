/**
 * Reusable authorization checks. Each domain lists the checks it needs in the order its spec
 * gives them (SPEC §3: scope, active, NHS; SPEC §5: scope, NHS, not blocked, role); the first
 * failing check decides the error.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { DomainError } from '../platform';
import { hasRole, type ClientType } from './clients';
import { messages } from './messages';
import type { Principal } from './principal';

export type Check = (principal: Principal, em: EntityManager) => void | Promise<void>;

export const requireScope = (...scopes: string[]): Check => ({ token }) => {
  const missing = scopes.filter((s) => !token.scopes.has(s));
  if (missing.length > 0) {
    throw new DomainError('FORBIDDEN', messages.missingScope(missing), { missingAllowances: missing });
  }
};

/** Passes when the token holds at least one of `scopes` (e.g. a per-resource scope or a region scope). */
export const requireAnyScope = (...scopes: string[]): Check => ({ token }) => {
  if (!scopes.some((s) => token.scopes.has(s))) {
    throw new DomainError('FORBIDDEN', messages.missingScope(scopes), { missingAllowances: scopes });
  }
};

export const requireClientType = (...types: ClientType[]): Check => ({ client }) => {
  if (!types.includes(client.type)) throw new DomainError('FORBIDDEN', messages.clientTypeForbidden);
};

export const requireActiveClient = (): Check => ({ client }) => {
  if (client.status !== 'ACTIVE') throw new DomainError('CONFLICT', messages.clientNotActive);
};

export const requireClientNotBlocked = (): Check => ({ client }) => {
  if (client.isBlocked) throw new DomainError('FORBIDDEN', messages.clientBlocked);
};

export const requireRole = (role: string): Check => async ({ token }, em) => {
  if (!(await hasRole(em, token.userId, token.clientId, role))) throw new DomainError('FORBIDDEN', messages.roleMissing);
};

/** For what no caller may do through the api (jobs only operators run): FORBIDDEN for everyone. */
export const refuseEveryone = (): Check => () => {
  throw new DomainError('FORBIDDEN', messages.clientTypeForbidden);
};

export async function authorize(principal: Principal, em: EntityManager, checks: readonly Check[]): Promise<Principal> {
  for (const check of checks) await check(principal, em);
  return principal;
}
