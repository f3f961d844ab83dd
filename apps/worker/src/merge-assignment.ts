/**
 * Reviewer assignment (SPEC §5) on the worker side of the request/response queue: one message is
 * one `assignMergeCandidate` the api is waiting on. The rules' refusals go back as the result for the
 * api to answer with; anything else fails the message (tried once, see the contract), which the api
 * reports as an internal error.
 */
import type { Job } from 'bullmq';
import type { MikroORM } from '@mikro-orm/postgresql';
import { assignMergeCandidate, mergeAssignmentPayload, type MergeAssignmentResult, type MergeRules } from '@jabba/domain/merge-review';
import { isDomainError, type Logger } from '@jabba/domain/platform';

export interface MergeAssignmentDeps {
  orm: MikroORM;
  logger: Logger;
  /** MAX_POSTPONED_MERGE_REQUESTS (and MERGE_QUORUM, which assignment does not use). */
  rules: MergeRules;
}

export const processMergeAssignment = (deps: MergeAssignmentDeps) =>
  async (message: Job): Promise<MergeAssignmentResult> => {
    const { assigneeId } = mergeAssignmentPayload.parse(message.data);
    try {
      const { mergeRequestId, candidateId } = await assignMergeCandidate(deps.orm.em, assigneeId, deps.rules);
      deps.logger.info({ bullJobId: message.id, assigneeId, candidateId, mergeRequestId }, 'merge candidate assigned');
      return { mergeRequestId };
    } catch (error) {
      if (!isDomainError(error)) throw error;
      deps.logger.debug({ bullJobId: message.id, assigneeId, code: error.code, reason: error.message }, 'merge candidate not assigned');
      return { error: { code: error.code, message: error.message } };
    }
  };
