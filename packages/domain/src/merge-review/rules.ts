/**
 * Manual merge review (SPEC §5, seed 000): request statuses and their transitions as data, the
 * assignment rules and the quorum rule, with the exact messages eHealth answers with. Pure.
 */
import { z } from 'zod';
import { DomainError } from '../platform/errors';

export const candidateStatuses = ['NEW', 'PROCESSED'] as const;
export type CandidateStatus = (typeof candidateStatuses)[number];

export const requestStatuses = ['NEW', 'POSTPONE', 'MERGE', 'SPLIT', 'TRASH'] as const;
export type RequestStatus = (typeof requestStatuses)[number];

export const decisions = ['MERGE', 'SPLIT', 'TRASH'] as const;
export type Decision = (typeof decisions)[number];

export const requestTransitions: Readonly<Record<RequestStatus, readonly RequestStatus[]>> = {
  NEW: ['MERGE', 'SPLIT', 'TRASH', 'POSTPONE'],
  POSTPONE: ['MERGE', 'SPLIT', 'TRASH'],
  MERGE: [],
  SPLIT: [],
  TRASH: [],
};

export const isDecision = (status: RequestStatus): status is Decision => (decisions as readonly string[]).includes(status);

export const mergeMessages = {
  noCandidate: 'Eligible manual merge candidate not found',
  newRequestPresent: 'new request is already present',
  postponedLimit: 'postponed requests limit exceeded',
  requestNotFound: 'Manual Merge Request not found',
  incorrectTransition: 'Incorrect transition status',
  notAssignee: "You don't have permission to access this resource",
  alreadyReviewed: 'Manual merge candidate was already reviewed by this assignee',
} as const;

export const reviewerRole = 'NHS_REVIEWER';

export interface MergeRules {
  /** MAX_POSTPONED_MERGE_REQUESTS */
  maxPostponed: number;
  /** MERGE_QUORUM */
  quorum: number;
}

/** What a reviewer holds now: the NEW and POSTPONE requests assigned to them. */
export interface ReviewerLoad {
  newRequests: number;
  postponed: number;
}

/** The rules checked before a candidate is looked for, in SPEC §5's order. */
export function assertMayTakeNew(load: ReviewerLoad, rules: MergeRules): void {
  if (load.newRequests > 0) throw new DomainError('CONFLICT', mergeMessages.newRequestPresent);
  if (load.postponed >= rules.maxPostponed) throw new DomainError('CONFLICT', mergeMessages.postponedLimit);
}

export const canAssignNew = (load: ReviewerLoad, rules: MergeRules): boolean =>
  load.newRequests === 0 && load.postponed < rules.maxPostponed;

export const noEligibleCandidate = (): DomainError => new DomainError('NOT_FOUND', mergeMessages.noCandidate);

export function assertRequestTransition(from: RequestStatus, to: RequestStatus): void {
  if (!requestTransitions[from].includes(to)) throw new DomainError('CONFLICT', mergeMessages.incorrectTransition);
}

/**
 * What a decision does to its candidate: POSTPONE and a decision below quorum return it to the
 * pool (assignee cleared); the decision that reaches the quorum settles it.
 */
export type CandidateEffect = { kind: 'release' } | { kind: 'settle'; decision: Decision };

/** `sameDecisions` counts the candidate's requests with this decision, this one included. */
export function effectOfDecision(to: RequestStatus, sameDecisions: number, rules: MergeRules): CandidateEffect {
  if (!isDecision(to) || sameDecisions < rules.quorum) return { kind: 'release' };
  return { kind: 'settle', decision: to };
}

/** The manual merge review rules (SPEC §5): the api reads them for decisions and `canAssignNew`, the worker for assignments. */
export const mergeReviewEnvFields = {
  /** A reviewer holding this many POSTPONE requests gets no new candidate. */
  MAX_POSTPONED_MERGE_REQUESTS: z.coerce.number().int().min(0).default(5),
  /** Requests with the same decision that settle a candidate. */
  MERGE_QUORUM: z.coerce.number().int().min(1).default(3),
};
