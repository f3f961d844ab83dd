/** Manual merge review (SPEC §5): rules, candidate import, assignment, decisions, outbox, policy. */
export { assignmentTimeoutMessage, mergeAssignmentPayload, requestAssignment, type MergeAssignmentResult } from './assignment-queue';
export { assignMergeCandidate } from './assignment';
export { mergeCandidateImportJob } from './candidate-import-job';
export { candidateItems, submitCandidateCsv, submitCandidateJson } from './candidate-upload';
export { candidateColumns, maxJsonCandidates } from './candidate-rules';
export { decideMergeRequest } from './decisions';
export { findMergeRequest, mergeRequestKeyOf, pageOpenMergeRequests, reviewerLoad, type ManualMergeCandidateRow, type MergeRequestKey, type MergeRequestOrder, type MergeRequestRow } from './merge-requests';
export { publishDeactivationEvents, relayDeactivationEvents, republishAfterRedisLoss, type MarkerRedis } from './outbox';
export { assignCandidate, decideMergeRequests, importCandidates, mergeReviewScopes, readMergeRequests } from './policy';
export { canAssignNew, candidateStatuses, mergeMessages, mergeReviewEnvFields, requestStatuses, requestTransitions, reviewerRole, type MergeRules, type RequestStatus } from './rules';
