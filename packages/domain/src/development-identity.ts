/**
 * The development identity: one NHS client, one user with the reviewer role, and a token with every
 * scope the features define. `npm run jabba -- dev:setup` and the api's `POST /v1/dev/sign-in`
 * (never registered in production) both make it here, so they cannot drift apart.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { decodeJwt } from 'jose';
import { destinationScopes } from './destinations';
import { deviceRegistryScopes } from './device-registry';
import { operationsScopes } from './engine';
import { addUserRole, signAccessToken, upsertClient } from './identity';
import { mergeReviewScopes } from './merge-review';
import { serviceCatalogScopes } from './service-catalog';
import { webhookScopes } from './webhooks';

/** Fixed ids so setting up again changes nothing and the README can show them. */
export const developmentClientId = '11111111-1111-4111-8111-111111111111';
export const developmentUserId = '22222222-2222-4222-8222-222222222222';
export const developmentClientName = 'Development NHS client';
export const developmentRole = 'NHS_REVIEWER';

/**
 * Every scope the features and operations define that is not tied to one resource (a scope naming
 * a destination is a function of its id, and left out), read from their own policies.
 */
export const developmentScopes: readonly string[] = [destinationScopes, deviceRegistryScopes, mergeReviewScopes, serviceCatalogScopes, operationsScopes, webhookScopes]
  .flatMap((scopes) => Object.values(scopes))
  .filter((scope): scope is string => typeof scope === 'string');

/** Creates the client (ACTIVE, not blocked) and the user's role, or puts them back as they were. */
export async function ensureDevelopmentIdentity(em: EntityManager): Promise<void> {
  await upsertClient(em, { id: developmentClientId, name: developmentClientName, type: 'NHS', status: 'ACTIVE', isBlocked: false });
  await addUserRole(em, developmentUserId, developmentClientId, developmentRole);
}

export interface DevelopmentToken {
  token: string;
  /** ISO-8601 UTC. */
  expiresAt: string;
}

/** A token of the development user at the development client with every scope, for `ttlS` seconds. */
export async function signDevelopmentToken(secret: string, ttlS: number): Promise<DevelopmentToken> {
  const token = await signAccessToken(secret, { userId: developmentUserId, clientId: developmentClientId, scopes: [...developmentScopes], ttl: ttlS });
  // The expiry exactly as signed, not recomputed: a second may have turned in between.
  return { token, expiresAt: new Date((decodeJwt(token).exp ?? 0) * 1000).toISOString() };
}
