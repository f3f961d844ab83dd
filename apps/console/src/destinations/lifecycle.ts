/**
 * The destination state machine as the api enforces it (packages/domain/src/destinations/rules.ts),
 * so the page offers only the transitions that can succeed, and the one REST call that applies
 * them. The api still decides: a refusal comes back as its problem, shown as sent.
 */
import { apiFetch } from '../platform/rest';
import { watchJob, type JobSnapshot } from '../platform/events';

export type DestinationStatus = 'CREATED' | 'ACTIVE' | 'INACTIVE' | 'DECOMMISSIONED';
export type TargetStatus = Exclude<DestinationStatus, 'CREATED'>;

export const transitions: Readonly<Record<DestinationStatus, readonly TargetStatus[]>> = {
  CREATED: ['ACTIVE'],
  ACTIVE: ['INACTIVE'],
  INACTIVE: ['ACTIVE', 'DECOMMISSIONED'],
  DECOMMISSIONED: [],
};

/** Decommissioning waits for `decommissionAllowedFrom` (the api's own date, never recomputed here). */
export function tooEarly(target: TargetStatus, decommissionAllowedFrom: string | null, now: number): boolean {
  return target === 'DECOMMISSIONED' && (decommissionAllowedFrom === null || Date.parse(decommissionAllowedFrom) > now);
}

interface Accepted { id: string; databaseId: string; status: string }
interface DestinationJson { destinationId: string; status: string }

export type PatchOutcome = { kind: 'applied' } | { kind: 'failed'; jobId: string };

/**
 * PATCH answers 200 once the worker applied the change, or 202 with the job when it takes longer;
 * then the job's event stream says when it ends.
 */
export async function changeStatus(token: string, destinationId: string, target: TargetStatus, onFollowing: () => void, signal: AbortSignal): Promise<PatchOutcome> {
  const body = await apiFetch<DestinationJson | Accepted>(`/v1/destinations/${encodeURIComponent(destinationId)}`, token, {
    method: 'PATCH',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ status: target.toLowerCase() }),
    signal,
  });
  if ('destinationId' in body) return { kind: 'applied' };
  onFollowing();
  const ended = await new Promise<JobSnapshot | null>((resolve) => {
    void watchJob(body.databaseId, token, {
      onSnapshot: (snapshot, done) => { if (done) resolve(snapshot); },
      onError: () => resolve(null),
    }, signal).then(() => resolve(null));
  });
  return ended?.status === 'PROCESSED' ? { kind: 'applied' } : { kind: 'failed', jobId: body.databaseId };
}
