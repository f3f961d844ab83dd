/**
 * `assignMergeCandidate` (SPEC §5, issue 5): a reviewer asks for the next merge candidate. The api
 * checks who is asking, in the order SPEC §5 gives, then hands the assignment to a worker through
 * the `merge-assignments` queue and waits, bounded, for its answer: the selection and both writes
 * run there in one transaction, so the rules hold however many apis and workers run. The
 * `MergeRequest` type is the review module's (merge-review-schema.ts).
 */
import { assignCandidate, findMergeRequest, requestAssignment } from '@jabba/domain/merge-review';
import { sqlOf } from '@jabba/domain/platform';
import { mergeRequestObject, type MergeRequestObject } from './graphql';
import type { GraphqlContext, GraphqlModule } from '../graphql/module';

const typeDefs = /* GraphQL */ `
  "Return type for \`assignMergeCandidate\` mutation."
  type AssignMergeCandidatePayload {
    "Information of pair of persons which can be same."
    mergeRequest: MergeRequest!
  }

  type Mutation {
    """
    Assigns the caller the next manual merge candidate to review, as a NEW merge request (scope
    \`merge_candidate:assign\`, an NHS client that is not blocked, role \`NHS_REVIEWER\`).
    """
    assignMergeCandidate: AssignMergeCandidatePayload
  }
`;

async function assignMergeCandidate(_: unknown, _args: unknown, ctx: GraphqlContext): Promise<{ mergeRequest: MergeRequestObject }> {
  const principal = await ctx.authorize(assignCandidate);
  const mergeRequestId = await requestAssignment(
    ctx.mergeAssignments, ctx.mergeAssignmentEvents, principal.token.userId, ctx.config.MERGE_ASSIGN_TIMEOUT_MS,
  );
  // The worker committed before answering, so the request is there to read.
  const row = await findMergeRequest(sqlOf(ctx.em), mergeRequestId);
  if (!row) throw new Error(`merge request ${mergeRequestId} assigned but not found`);
  return { mergeRequest: mergeRequestObject(row) };
}

export const mergeAssignmentModule: GraphqlModule = {
  typeDefs,
  resolvers: {
    Mutation: { assignMergeCandidate },
  },
};
