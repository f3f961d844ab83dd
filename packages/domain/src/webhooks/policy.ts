/**
 * Who may do what with webhook endpoints: the webhooks identity chain over two scopes, one to
 * register, delete and rotate (`webhooks:manage`), one to list endpoints and their deliveries
 * (`webhooks:read`). The endpoints are always the caller's client's own: the store filters by it.
 */
import { identityChain, requireScope, type Check } from '../identity';

export const webhookScopes = {
  manage: 'webhooks:manage',
  read: 'webhooks:read',
} as const;

export const manageWebhooks: readonly Check[] = identityChain('webhooks', 'write', requireScope(webhookScopes.manage));
export const readWebhooks: readonly Check[] = identityChain('webhooks', 'read', requireScope(webhookScopes.read));
