/**
 * Expectations several api test files share: problem+json bodies the destination routes answer with,
 * the check of a problem response, and the walk through keyset pages. One copy here, so a change to
 * a contract (SPEC §4, §7) is made once and every test that asserts it follows.
 */
import { expect } from 'vitest';
import { destinationStateInvalidType } from '@jabba/domain/destinations';
import { messages } from '@jabba/domain/identity';
import type { InputError } from '@jabba/domain/platform';

/** A timestamp as the api writes it: ISO 8601 in UTC with exactly six fraction digits. */
export const isoMicros = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

/** A problem body as sent: `problem` plus the requestId every response carries. */
export const problemBody = (problem: Record<string, unknown>) => ({ ...problem, requestId: expect.any(String) });

/** A problem response: problem+json, the problem's status, and its body with a requestId. */
export async function expectProblem(response: Response, problem: Record<string, unknown>): Promise<void> {
  expect(response.headers.get('content-type')).toBe('application/problem+json');
  expect({ status: response.status, body: await response.json() }).toEqual({ status: problem.status, body: problemBody(problem) });
}

/** 422 destination-state-invalid: the destination `id` is in the wrong state for the operation. */
export const stateInvalidProblem = (id: string) => ({
  type: destinationStateInvalidType,
  title: 'Destination State invalid',
  status: 422,
  detail: `Destination ${id} has the wrong state for this operation.`,
});

/** 404 destination-not-found for `id` (also for ids that are not uuids). */
export const destinationNotFoundProblem = (id: string) => ({
  type: 'https://schema.fitko.de/fit-connect/submission-api/problems/destination-not-found',
  title: 'Destination not found',
  status: 404,
  detail: `Destination ${id} not found`,
});

/** 403 for a token that lacks `scopes`. */
export const forbiddenProblem = (scopes: string[]) => ({
  type: '/problems/forbidden',
  title: 'Forbidden',
  status: 403,
  detail: messages.missingScope(scopes),
  missingAllowances: scopes,
});

/** 422 validation failure listing `inputErrors` in order. */
export const invalidProblem = (...inputErrors: InputError[]) => ({
  type: '/problems/unprocessable-entity',
  title: 'Unprocessable Content',
  status: 422,
  detail: 'Validation failed',
  inputErrors,
});

/** A GraphQL connection page; `N` is whatever node fields the query selects besides databaseId. */
export interface Page<N extends { databaseId: string } = { databaseId: string }> {
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  nodes: N[];
  edges: { cursor: string; node: { databaseId: string } }[];
}

/** Walks `expected` in pages of `size` with first/after, then back with last/before, checking flags and cursors. */
export async function expectPages(expected: string[], size: number, fetchPage: (args: Record<string, unknown>) => Promise<Page>): Promise<void> {
  const check = (page: Page, slice: string[]) => {
    expect(page.nodes.map((n) => n.databaseId)).toEqual(slice);
    expect(page.edges.map((e) => e.node.databaseId)).toEqual(slice);
    expect(page.pageInfo.startCursor).toBe(page.edges[0]?.cursor ?? null);
    expect(page.pageInfo.endCursor).toBe(page.edges.at(-1)?.cursor ?? null);
  };
  let after: string | null = null;
  for (let start = 0; start < expected.length; start += size) {
    const page: Page = await fetchPage({ first: size, after });
    check(page, expected.slice(start, start + size));
    expect([page.pageInfo.hasPreviousPage, page.pageInfo.hasNextPage]).toEqual([start > 0, start + size < expected.length]);
    after = page.pageInfo.endCursor;
  }
  let before: string | null = null;
  for (let end = expected.length; end > 0; end -= size) {
    const page: Page = await fetchPage({ last: size, before });
    check(page, expected.slice(Math.max(0, end - size), end));
    expect([page.pageInfo.hasPreviousPage, page.pageInfo.hasNextPage]).toEqual([end - size > 0, end < expected.length]);
    before = page.pageInfo.startCursor;
  }
}
