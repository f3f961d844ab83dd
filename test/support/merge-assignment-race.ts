/**
 * Reviewer assignment under concurrency (SPEC §5: "never two reviewers on one candidate, never two
 * NEW requests for one reviewer — under any concurrency"), as operators run it: many reviewers ask
 * a running api at once for a candidate, and its workers assign them. One copy, so the test on
 * Postgres directly (test/merge-assignment-concurrency.test.ts) and the one through PgBouncer
 * (test/faults/pgbouncer.test.ts) check the very same thing.
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { addUserRole } from '@jabba/domain/identity';
import { mergeMessages, reviewerRole } from '@jabba/domain/merge-review';
import type { Platform } from './platform';
import type { AppProcess } from './process';

type Sql = Platform['sql'];

/** `n` open candidates, each pairing two new persons; answers their ids. */
export async function insertCandidates(sql: Sql, n: number): Promise<string[]> {
  const rows = await sql<{ id: string }>(
    `with p as (
       insert into persons (id) select gen_random_uuid() from generate_series(1, ? * 2) returning id),
     numbered as (select id, row_number() over () as i from p)
     insert into manual_merge_candidates (merge_candidate_id, person_id, master_person_id)
     select gen_random_uuid(), a.id, b.id from numbered a join numbered b on b.i = a.i + 1 where a.i % 2 = 1
     returning id`,
    [n],
  );
  return rows.map((r) => r.id);
}

const errorsOf = (body: { errors?: { message: string; extensions?: { code?: string } }[] }) =>
  body.errors?.map((e) => `${e.extensions?.code ?? '?'}: ${e.message}`) ?? [];

export interface AssignmentRace {
  reviewers: number;
  candidates: number;
  /** The first ones ask twice at once, so some answers must be "new request is already present". */
  askingTwice: number;
}

/**
 * Runs the race on a platform whose api is at `baseUrl` and whose `workers` run, on a database
 * holding no merge candidates or requests yet, and checks every answer and what the database holds.
 */
export async function expectOneReviewerPerCandidate(
  platform: Platform,
  { baseUrl, workers }: { baseUrl: string; workers: readonly AppProcess[] },
  { reviewers, candidates, askingTwice }: AssignmentRace,
): Promise<void> {
  const pool = await insertCandidates(platform.sql, candidates);
  const client = await platform.nhsClient('NHS');
  const people = await Promise.all(Array.from({ length: reviewers }, async () => {
    const userId = randomUUID();
    await addUserRole(platform.orm.em.fork(), userId, client.id, reviewerRole);
    return { userId, token: await client.token(['merge_candidate:assign'], userId) };
  }));
  const asks = [...people, ...people.slice(0, askingTwice)];

  const answers = await Promise.all(asks.map(async ({ userId, token }) => {
    const response = await fetch(`${baseUrl}/graphql`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: 'mutation { assignMergeCandidate { mergeRequest { databaseId manualMergeCandidate { databaseId } } } }' }),
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      data: { assignMergeCandidate: { mergeRequest: { databaseId: string; manualMergeCandidate: { databaseId: string } } } | null };
      errors?: { message: string; extensions?: { code?: string } }[];
    };
    return { userId, request: body.data.assignMergeCandidate?.mergeRequest ?? null, errors: errorsOf(body) };
  }));

  const granted = answers.filter((a) => a.request !== null);
  const refused = answers.filter((a) => a.request === null);
  expect(granted.every((a) => a.errors.length === 0)).toBe(true);
  expect(granted).toHaveLength(candidates);
  expect(new Set(granted.map((a) => a.userId)).size).toBe(candidates);
  expect(new Set(granted.map((a) => a.request!.manualMergeCandidate.databaseId))).toEqual(new Set(pool));

  // Whoever got no candidate was told there is none, on every ask; a reviewer who asked twice and
  // got one was told on the other ask that a NEW request is already present, whichever ran first:
  // an ask that runs first finds a candidate unless none is left, and none is ever returned here.
  const notFound = `NOT_FOUND: ${mergeMessages.noCandidate}`;
  const conflict = `CONFLICT: ${mergeMessages.newRequestPresent}`;
  const holders = new Set(granted.map((a) => a.userId));
  const refusalsOf = (userId: string) => refused.filter((a) => a.userId === userId).map((a) => a.errors);
  for (const [i, { userId }] of people.entries()) {
    const twice = i < askingTwice;
    expect(refusalsOf(userId)).toEqual(holders.has(userId) ? (twice ? [[conflict]] : []) : (twice ? [[notFound], [notFound]] : [[notFound]]));
  }
  expect(refused.filter((a) => a.errors[0] === conflict).length).toBeGreaterThan(0);

  // What the database holds agrees: one NEW request per holder, each candidate on exactly its reviewer.
  const [state] = await platform.sql<Record<string, number>>(
    `select
       (select count(*)::int from manual_merge_requests) as requests,
       (select count(*)::int from manual_merge_requests where status = 'NEW') as new_requests,
       (select count(distinct assignee_id)::int from manual_merge_requests) as assignees,
       (select count(*)::int from manual_merge_candidates c join manual_merge_requests r
          on r.manual_merge_candidate_id = c.id and r.assignee_id = c.assignee_id) as consistent,
       (select count(*)::int from audit_log) as audit_rows`,
  );
  expect(state).toEqual({ requests: candidates, new_requests: candidates, assignees: candidates, consistent: candidates, audit_rows: 2 * candidates });

  // Both worker processes took part, and neither logged a warning.
  for (const worker of workers) {
    expect(worker.output()).toContain('"msg":"merge candidate assigned"');
    expect(worker.output().split('\n').filter((l) => /"level":(40|50|60)/.test(l))).toEqual([]);
  }
}
