/**
 * Who may do what in manual merge review: the merge-review identity chain (SPEC §5: the scope, an
 * NHS client, not blocked, then the reviewer role to assign and decide; every write also needs an
 * ACTIVE client). The first check that fails decides the error.
 */
import type { JobAccess } from '../engine';
import { identityChain, requireScope, type Check } from '../identity';

export const mergeReviewScopes = {
  importCandidates: 'merge_candidate:write',
  /** Reading an import job: its error report holds person names and birth dates. */
  readImports: 'merge_candidate_job:read',
  assign: 'merge_candidate:assign',
  readRequests: 'merge_request:read',
  decide: 'merge_request:write',
} as const;

export const importCandidates: readonly Check[] = identityChain('merge-review', 'write', requireScope(mergeReviewScopes.importCandidates));
export const readCandidateImports: readonly Check[] = identityChain('merge-review', 'read', requireScope(mergeReviewScopes.readImports));

export const assignCandidate: readonly Check[] = identityChain('merge-review', 'review', requireScope(mergeReviewScopes.assign));

/** Cancelling or retrying an import is importing: the uploader's chain. */
export const mergeCandidateImportAccess: JobAccess = { read: readCandidateImports, write: importCandidates };

export const readMergeRequests: readonly Check[] = identityChain('merge-review', 'read', requireScope(mergeReviewScopes.readRequests));
/** A request assigned before the role was removed cannot be decided without it. */
export const decideMergeRequests: readonly Check[] = identityChain('merge-review', 'review', requireScope(mergeReviewScopes.decide));
