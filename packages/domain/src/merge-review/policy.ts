/**
 * Who may do what in manual merge review (SPEC §5, issue 5), each list in the order the spec gives
 * its checks: the first one that fails decides the error.
 */
import type { JobAccess } from '../engine';
import { requireClientNotBlocked, requireClientType, requireRole, requireScope, type Check } from '../identity';
import { reviewerRole } from './rules';

export const mergeReviewScopes = {
  importCandidates: 'merge_candidate:write',
  assign: 'merge_candidate:assign',
  readRequests: 'merge_request:read',
  decide: 'merge_request:write',
} as const;

/** Issue 5: the scope, then the client type. */
export const importCandidates: readonly Check[] = [requireScope(mergeReviewScopes.importCandidates), requireClientType('NHS')];

/** SPEC §5: scope, NHS client, not blocked, the reviewer role. */
export const assignCandidate: readonly Check[] = [
  requireScope(mergeReviewScopes.assign),
  requireClientType('NHS'),
  requireClientNotBlocked(),
  requireRole(reviewerRole),
];

/** Candidate import jobs are guarded by ownership alone for now: the uploading client's. */
export const mergeCandidateImportAccess: JobAccess = { read: [], write: [] };

export const readMergeRequests: readonly Check[] = [requireScope(mergeReviewScopes.readRequests)];
export const decideMergeRequests: readonly Check[] = [requireScope(mergeReviewScopes.decide)];
