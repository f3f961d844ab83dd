/**
 * Typed GraphQL: `graphql(...)` documents are checked against the api's committed schema
 * (`apps/api/schema.graphql`, turned into `graphql-env.d.ts` by `npm run schema`), so a query that
 * asks for a field the api does not serve fails the typecheck, not the user.
 */
import { initGraphQLTada } from 'gql.tada';
import { Client, cacheExchange, fetchExchange, type CombinedError } from 'urql';
import type { introspection } from './graphql-env.d.ts';

export const graphql = initGraphQLTada<{
  introspection: introspection;
  scalars: { UUID: string; DateTime: string; JSON: unknown };
}>();

export type { FragmentOf, ResultOf, VariablesOf } from 'gql.tada';
export { readFragment } from 'gql.tada';

export function graphqlClient(token: string): Client {
  return new Client({
    url: '/graphql',
    exchanges: [cacheExchange, fetchExchange],
    // Progress moves under the console's feet: every read asks the api, the cache only fills the gap.
    requestPolicy: 'cache-and-network',
    fetchOptions: () => ({ headers: { authorization: `Bearer ${token}` } }),
  });
}

/** What a person reads when a GraphQL call fails: the api's own message, with its code. */
export interface GraphqlProblem { code: string; message: string }

export function graphqlProblem(error: CombinedError | undefined): GraphqlProblem | null {
  if (!error) return null;
  const first = error.graphQLErrors[0];
  if (first) {
    const code = typeof first.extensions['code'] === 'string' ? first.extensions['code'] : 'ERROR';
    return { code, message: first.message };
  }
  return { code: 'NETWORK_ERROR', message: error.networkError?.message ?? error.message };
}

/** A mutation's payload error, or the call's own: the one thing to show at the form. */
export function firstProblem(result: { error?: CombinedError | undefined }): GraphqlProblem | null {
  return graphqlProblem(result.error);
}
