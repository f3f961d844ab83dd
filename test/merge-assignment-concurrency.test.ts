/**
 * Reviewer assignment under concurrency (SPEC §5: "never two reviewers on one candidate, never two
 * NEW requests for one reviewer — under any concurrency"). First as operators run it: a real api
 * and two real worker processes, many reviewers asking at once. Then the database constraints on
 * their own: when a writer that bypasses the reviewer's lock races an assignment, the unique index
 * that stops it is answered with its CONFLICT, not an internal error.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUserRole } from '@jabba/domain/identity';
import { assignMergeCandidate, mergeMessages, reviewerRole } from '@jabba/domain/merge-review';
import { DomainError } from '@jabba/domain/platform';
import { createPlatform, type Platform } from '#test/platform';
import { waitFor } from '#test/wait-for';

const reviewers = 50;
const candidates = 30;
/** The first ones ask twice at once, so some answers must be "new request is already present". */
const askingTwice = 10;
const rules = { maxPostponed: 5, quorum: 3 };

let platform: Platform;

beforeAll(async () => {
  platform = await createPlatform({ poolSize: 4 });
});

afterAll(() => platform.stop());

const sql = <R>(text: string, values?: unknown[]): Promise<R[]> => platform.sql<R>(text, values);

async function insertCandidates(n: number): Promise<string[]> {
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

describe('50 reviewers asking at once against 2 worker processes and 30 candidates', () => {
  it('assigns each candidate once, gives no reviewer two NEW requests, and tells the others NOT_FOUND or CONFLICT', async () => {
    const { baseUrl, workers } = await platform.start({ workers: ['jabba-w1', 'jabba-w2'], workerEnv: { WORKER_CONCURRENCY: '2' } });

    const pool = await insertCandidates(candidates);
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
    const [state] = await sql<Record<string, number>>(
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
  }, 60_000);
});

describe('the unique indexes behind the rules', () => {
  const assignee = randomUUID();
  const clear = async () => {
    for (const table of ['audit_log', 'manual_merge_requests', 'manual_merge_candidates']) await sql(`delete from ${table}`);
  };

  /** Runs `write` in a transaction left open until an assignment of `assignee` waits on it, then commits. */
  async function raceAssignment(write: (execute: (text: string, values: unknown[]) => Promise<unknown>) => Promise<void>): Promise<unknown> {
    let outcome: Promise<unknown> = Promise.resolve();
    await platform.orm.em.fork().transactional(async (em) => {
      await write((text, values) => em.execute(text, values));
      outcome = assignMergeCandidate(platform.orm.em, assignee, rules).then(() => 'assigned', (error: unknown) => error);
      await waitFor(async () => (await sql<{ n: number }>(
        `select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and wait_event = 'transactionid'`,
      ))[0]!.n === 1, { what: 'the assignment to wait on the open transaction' });
    });
    return outcome;
  }

  it('a NEW request committed under the assignment is CONFLICT "new request is already present"', async () => {
    await clear();
    const [mine, other] = await insertCandidates(2);
    const error = await raceAssignment(async (execute) => {
      await execute(`update manual_merge_candidates set assignee_id = ? where id = ?`, [assignee, mine]);
      await execute(`insert into manual_merge_requests (manual_merge_candidate_id, assignee_id, status) values (?, ?, 'NEW')`, [mine, assignee]);
    });
    expect(error).toEqual(new DomainError('CONFLICT', mergeMessages.newRequestPresent));
    // The assignment rolled back: the other candidate is still free, nothing was audited.
    expect(await sql('select assignee_id from manual_merge_candidates where id = ?', [other])).toEqual([{ assignee_id: null }]);
    expect(await sql('select id from audit_log')).toEqual([]);
  });

  it('a request of the same reviewer and candidate committed under the assignment is a CONFLICT too', async () => {
    await clear();
    const [only] = await insertCandidates(1);
    const error = await raceAssignment(async (execute) => {
      await execute(`insert into manual_merge_requests (manual_merge_candidate_id, assignee_id, status) values (?, ?, 'POSTPONE')`, [only, assignee]);
    });
    expect(error).toEqual(new DomainError('CONFLICT', mergeMessages.alreadyReviewed));
    expect(await sql('select assignee_id from manual_merge_candidates where id = ?', [only])).toEqual([{ assignee_id: null }]);
  });
});
