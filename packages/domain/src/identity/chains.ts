/**
 * The identity chain of every domain, in one table: which facts about the caller each kind of
 * operation checks, in order, after the token itself (valid, unexpired, else UNAUTHENTICATED). The
 * first link that fails decides the error. The spec's links come first in the spec's order (SPEC
 * §3, §4, §5, §6); the two that hold for every write of the platform (the client's legal entity
 * ACTIVE, the client not blocked) follow where the spec did not already place them. The README's
 * Security section prints this table; a feature's policy builds its checks from it, never by hand.
 */
import type { ClientType } from './clients';
import { requireActiveClient, requireClientNotBlocked, requireClientType, requireRole, type Check } from './checks';

/** One link of a chain; `scope` is the operation's own scope check, which the policy passes in. */
export type Link = 'scope' | 'active' | 'notBlocked' | `client:${ClientType}` | `role:${string}`;

export const identityChains = {
  /** SPEC §3: scope, legal entity ACTIVE, NHS client. */
  'device-registry': {
    read: ['scope', 'active', 'client:NHS'],
    write: ['scope', 'active', 'client:NHS', 'notBlocked'],
  },
  /** SPEC §4 names scopes only: create/list, then one per destination to manage or send to it. */
  destinations: {
    read: ['scope'],
    write: ['scope', 'active', 'notBlocked'],
  },
  /** SPEC §5: scope, NHS client, not blocked, the reviewer role (to assign and decide). */
  'merge-review': {
    read: ['scope', 'client:NHS', 'notBlocked'],
    /** Importing candidates is an uploader's work, not a reviewer's: no role. */
    write: ['scope', 'client:NHS', 'notBlocked', 'active'],
    review: ['scope', 'client:NHS', 'notBlocked', 'role:NHS_REVIEWER', 'active'],
  },
  /**
   * The caller itself (`viewer`) and the jobs list, whose rows each job type's own read checks then
   * filter: a valid token is all it takes, and the answer holds nothing of anyone else's.
   */
  identity: {
    token: [],
  },
  /** Operators (issue 12): queue depths and the reconciler's last run, behind a scope of their own. */
  operations: {
    read: ['scope', 'active', 'notBlocked'],
  },
  /**
   * Issue 13: a client's webhook endpoints, for any client type. Like destinations: reading needs
   * the scope; a change also an ACTIVE client that is not blocked.
   */
  webhooks: {
    read: ['scope'],
    write: ['scope', 'active', 'notBlocked'],
  },
  /** SPEC §6: scope, NHS client. */
  'service-catalog': {
    read: ['scope', 'client:NHS'],
    write: ['scope', 'client:NHS', 'active', 'notBlocked'],
  },
} as const satisfies Record<string, Record<string, readonly Link[]>>;

export type IdentityDomain = keyof typeof identityChains;
export type ChainKind<D extends IdentityDomain> = keyof (typeof identityChains)[D] & string;

function checkOf(link: Link, scope: Check): Check {
  if (link === 'scope') return scope;
  if (link === 'active') return requireActiveClient();
  if (link === 'notBlocked') return requireClientNotBlocked();
  const [kind, value] = link.split(':') as [string, string];
  return kind === 'client' ? requireClientType(value as ClientType) : requireRole(value);
}

/** The checks of one chain, with `scope` (e.g. `requireScope('device_registry:write')`) as its scope link. */
export function identityChain<D extends IdentityDomain>(domain: D, kind: ChainKind<D>, scope: Check): readonly Check[] {
  const links = identityChains[domain][kind] as readonly Link[];
  return links.map((link) => checkOf(link, scope));
}

/**
 * The `identity token` chain: no link beyond the token, which authenticating already verified. Built
 * from the table like every other, so a link added there applies here too.
 */
export const tokenOnly: readonly Check[] = identityChain('identity', 'token', () => undefined);
