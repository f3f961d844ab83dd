/**
 * The merge review's GraphQL operations. The request's selection is one fragment, unmasked, so the
 * list, the assignment and the decision all hand the page the same shape.
 */
import { graphql, type ResultOf } from '../platform/graphql';

const MergeRequestFields = graphql(`
  fragment MergeRequestFields on MergeRequest @_unmask {
    id databaseId status comment insertedAt
    manualMergeCandidate {
      databaseId status
      mergeCandidate {
        databaseId
        person { databaseId firstName lastName birthDate }
        masterPerson { databaseId firstName lastName birthDate }
      }
    }
  }
`);

export type MergeRequestItem = ResultOf<typeof MergeRequestFields>;
export type PersonItem = MergeRequestItem['manualMergeCandidate']['mergeCandidate']['person'];

export const MyRequestsQuery = graphql(`
  query MyMergeRequests($first: Int, $last: Int, $after: String, $before: String) {
    mergeRequests(first: $first, last: $last, after: $after, before: $before) {
      canAssignNew
      nodes { ...MergeRequestFields }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    }
  }
`, [MergeRequestFields]);

export const AssignMutation = graphql(`
  mutation AssignMergeCandidate {
    assignMergeCandidate { mergeRequest { ...MergeRequestFields } }
  }
`, [MergeRequestFields]);

export const DecideMutation = graphql(`
  mutation DecideMergeRequest($input: UpdateMergeRequestInput!) {
    updateMergeRequest(input: $input) { mergeRequest { ...MergeRequestFields } }
  }
`, [MergeRequestFields]);

export const decisions = ['MERGE', 'SPLIT', 'TRASH', 'POSTPONE'] as const;
export type Decision = (typeof decisions)[number];
