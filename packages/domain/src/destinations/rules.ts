/**
 * The FIT-Connect destination lifecycle (SPEC §4, seed 001) as data plus pure guards. Time is a
 * parameter: the day rules are tested by passing `now`, never by waiting.
 */
import { z } from 'zod';
import { DomainError } from '../platform/errors';

export const destinationStatuses = ['created', 'active', 'inactive', 'decommissioned'] as const;
export type DestinationStatus = (typeof destinationStatuses)[number];

/** created → active → inactive ⇄ active; inactive → decommissioned (after the minimum days); decommissioned is final. */
export const destinationTransitions: Readonly<Record<DestinationStatus, readonly DestinationStatus[]>> = {
  created: ['active'],
  active: ['inactive'],
  inactive: ['active', 'decommissioned'],
  decommissioned: [],
};

/** What a PATCH may ask for: `created` is where destinations start, never a target. */
export const patchableStatuses = ['active', 'inactive', 'decommissioned'] as const satisfies readonly DestinationStatus[];
export type PatchableStatus = (typeof patchableStatuses)[number];

export const finalDestinationStatuses: ReadonlySet<DestinationStatus> = new Set(['decommissioned']);

export interface DestinationState {
  id: string;
  status: DestinationStatus;
  statusChangedAt: Date;
}

export const destinationStateInvalidType = 'https://schema.fitko.de/fit-connect/submission-api/problems/destination-state-invalid';

/** SPEC §4's one error for every operation the destination's state forbids. */
export const destinationStateInvalid = (id: string): DomainError =>
  new DomainError('UNPROCESSABLE_ENTITY', `Destination ${id} has the wrong state for this operation.`, {
    problemType: destinationStateInvalidType,
    problemTitle: 'Destination State invalid',
  });

export const destinationNotFound = (id: string): DomainError =>
  new DomainError('NOT_FOUND', `Destination ${id} not found`, {
    problemType: 'https://schema.fitko.de/fit-connect/submission-api/problems/destination-not-found',
    problemTitle: 'Destination not found',
  });

const dayMs = 24 * 60 * 60 * 1000;

/** Whole days between two instants, rounded down: 29 days and 23 hours is 29. */
export const daysBetween = (from: Date, to: Date): number => Math.floor((to.getTime() - from.getTime()) / dayMs);

export interface TransitionRules {
  /** DESTINATION_MIN_INACTIVE_DAYS: inactive at least this long before decommissioning. */
  minInactiveDays: number;
}

/**
 * The first instant an inactive destination may be decommissioned (the day rule of
 * `assertTransition`: whole days since `statusChangedAt` reach `minInactiveDays` exactly then), or
 * null when it is not inactive, so a client can show the date instead of guessing the rule.
 * `statusChangedAt` is the stored ISO text; its microseconds are kept, as Date would drop them.
 */
export function decommissionAllowedFrom(d: { status: DestinationStatus; statusChangedAt: string }, rules: TransitionRules): string | null {
  if (d.status !== 'inactive') return null;
  const at = new Date(Date.parse(d.statusChangedAt) + rules.minInactiveDays * dayMs).toISOString();
  return `${at.slice(0, 19)}${d.statusChangedAt.slice(19)}`;
}

/** Throws destination-state-invalid unless `to` may follow the destination's status at `now`. */
export function assertTransition(d: DestinationState, to: DestinationStatus, now: Date, rules: TransitionRules): void {
  if (!destinationTransitions[d.status].includes(to)) throw destinationStateInvalid(d.id);
  if (to === 'decommissioned' && daysBetween(d.statusChangedAt, now) < rules.minInactiveDays) throw destinationStateInvalid(d.id);
}

/** New submissions (and the cases they open) only reach an active destination. */
export function assertAcceptsSubmissions(d: Pick<DestinationState, 'id' | 'status'>): void {
  if (d.status !== 'active') throw destinationStateInvalid(d.id);
}

/** Replies stop once a destination is decommissioned; status updates (events) never do. */
export function assertAcceptsReplies(d: Pick<DestinationState, 'id' | 'status'>): void {
  if (d.status === 'decommissioned') throw destinationStateInvalid(d.id);
}

/** Only a destination that never went live may simply be deleted. */
export function assertDeletable(d: Pick<DestinationState, 'id' | 'status'>): void {
  if (d.status !== 'created') throw destinationStateInvalid(d.id);
}

/**
 * Whether the scheduled sweep deletes it: decommissioned for more than DESTINATION_DELETE_AFTER_DAYS
 * and every event token of its cases expired (the caller answers the second part from the data).
 */
export function dueForDeletion(d: DestinationState, now: Date, deleteAfterDays: number, unexpiredTokens: number): boolean {
  return d.status === 'decommissioned' && daysBetween(d.statusChangedAt, now) > deleteAfterDays && unexpiredTokens === 0;
}

/**
 * The destination rules both apps apply: the api when it checks a PATCH at once, the worker when it
 * checks it again under the row lock. One definition, so the two can only disagree by misconfiguration.
 */
export const destinationEnvFields = {
  /** Whole days a destination must have been inactive before it may be decommissioned. */
  DESTINATION_MIN_INACTIVE_DAYS: z.coerce.number().int().min(0).default(30),
};
