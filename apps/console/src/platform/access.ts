/**
 * What the signed-in token may do, so pages and buttons it cannot use are hidden or disabled with
 * the reason. Each feature writes its requirement as the api's identity chain for that operation
 * (packages/domain/src/identity/chains.ts), links in the same order, so the reason shown is the
 * refusal the api would give. The api still decides; this only spares the user a doomed click.
 */
import type { Viewer } from './session';

export type Link = 'active' | 'notBlocked' | 'nhs' | `role:${string}`;

export interface Requirement {
  /** The scope, or a test over the scopes with the name to show (e.g. `manage:destination:{id}`). */
  scope: string | { test: (scopes: readonly string[]) => boolean; label: string };
  links: readonly Link[];
}

export type Denial =
  | { reason: 'scope'; scope: string }
  | { reason: 'inactive' }
  | { reason: 'blocked' }
  | { reason: 'notNhs' }
  | { reason: 'role'; role: string };

function failedLink(viewer: Viewer, link: Link): Denial | null {
  if (link === 'active') return viewer.client.status === 'ACTIVE' ? null : { reason: 'inactive' };
  if (link === 'notBlocked') return viewer.client.blocked ? { reason: 'blocked' } : null;
  if (link === 'nhs') return viewer.client.type === 'NHS' ? null : { reason: 'notNhs' };
  const role = link.slice('role:'.length);
  return viewer.roles.includes(role) ? null : { reason: 'role', role };
}

/** The first link of the chain the viewer fails, or null when every link holds. */
export function denial(viewer: Viewer, requirement: Requirement): Denial | null {
  const { scope } = requirement;
  const hasScope = typeof scope === 'string' ? viewer.scopes.includes(scope) : scope.test(viewer.scopes);
  if (!hasScope) return { reason: 'scope', scope: typeof scope === 'string' ? scope : scope.label };
  for (const link of requirement.links) {
    const failed = failedLink(viewer, link);
    if (failed) return failed;
  }
  return null;
}
