/**
 * Who may do what with destinations: the destinations identity chain over the delivery service's
 * scopes (SPEC §4, seed 001): one to create and list a client's destinations, one per destination to
 * manage it ("nur mit dem Scope manage:destination:{destinationId}"), and the two that allow sending
 * to it. Every write also needs an ACTIVE client that is not blocked.
 */
import { identityChain, refuseEveryone, requireAnyScope, requireScope, type Check } from '../identity';
import { sqlOf } from '../platform';
import { perJobCheck, type JobAccess, type JobCheck } from '../engine';

export const destinationScopes = {
  create: 'create_destination',
  manage: (destinationId: string): string => `manage:destination:${destinationId}`,
  send: (destinationId: string): string => `send:destination:${destinationId}`,
  sendToRegion: 'send:region:DE',
} as const;

export const listDestinations: readonly Check[] = identityChain('destinations', 'read', requireScope(destinationScopes.create));
export const createDestinations: readonly Check[] = identityChain('destinations', 'write', requireScope(destinationScopes.create));
export const readDestination = (destinationId: string): readonly Check[] =>
  identityChain('destinations', 'read', requireScope(destinationScopes.manage(destinationId)));
/**
 * A status change, a deletion, an event or a reply of one destination, or of many at once (the
 * bulk transition): every destination's own scope, the missing ones all listed in the refusal.
 */
export const manageDestinations = (destinationIds: readonly string[]): readonly Check[] =>
  identityChain('destinations', 'write', requireScope(...destinationIds.map(destinationScopes.manage)));
export const manageDestination = (destinationId: string): readonly Check[] => manageDestinations([destinationId]);
export const sendToDestination = (destinationId: string): readonly Check[] =>
  identityChain('destinations', 'write', requireAnyScope(destinationScopes.send(destinationId), destinationScopes.sendToRegion));

/** The destinations a job's tasks change (at most a bulk request's thousand). */
async function destinationsOfJob(em: Parameters<JobCheck>[1], jobId: string): Promise<string[]> {
  const rows = await sqlOf(em).query<{ id: string }>(
    `select distinct meta->>'destinationId' as id from tasks where job_id = $1 order by 1`,
    [jobId],
  );
  return rows.map((r) => r.id);
}

/** A transition job is read and changed by whoever may manage every destination it changes. */
const everyDestinationOfJob = (checks: (ids: string[]) => readonly Check[]): JobCheck => perJobCheck(async (principal, em, job) => {
  for (const check of checks(await destinationsOfJob(em, job.id))) await check(principal, em);
});

export const destinationTransitionAccess: JobAccess = {
  read: [everyDestinationOfJob((ids) => identityChain('destinations', 'read', requireScope(...ids.map(destinationScopes.manage))))],
  write: [everyDestinationOfJob(manageDestinations)],
};

/** The deletion sweep belongs to no client: operators read it in the database, nobody through the api. */
export const destinationDeletionAccess: JobAccess = { read: [refuseEveryone()], write: [refuseEveryone()] };
