/**
 * Reviewer assignment under concurrency (SPEC §5: "never two reviewers on one candidate, never two
 * NEW requests for one reviewer — under any concurrency"). First as operators run it: a real api
 * and two real worker processes, many reviewers asking at once (test/support/merge-assignment-race.ts,
 * which the fault suite also runs through PgBouncer). Then the database constraints on
 * their own: when a writer that bypasses the reviewer's lock races an assignment, the unique index
 * that stops it is answered with its CONFLICT, not an internal error.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assignMergeCandidate, mergeMessages } from '@jabba/domain/merge-review';
import { DomainError } from '@jabba/domain/platform';
import { expectOneReviewerPerCandidate, insertCandidates as insertCandidatesOf } from '#test/merge-assignment-race';
import { createPlatform, type Platform } from '#test/platform';
import { waitFor } from '#test/wait-for';

const rules = { maxPostponed: 5, quorum: 3 };

let platform: Platform;

beforeAll(async () => {
  platform = await createPlatform({ poolSize: 4 });
});

afterAll(() => platform.stop());

const sql = <R>(text: string, values?: unknown[]): Promise<R[]> => platform.sql<R>(text, values);
const insertCandidates = (n: number): Promise<string[]> => insertCandidatesOf(platform.sql, n);

describe('50 reviewers asking at once against 2 worker processes and 30 candidates', () => {
  it('assigns each candidate once, gives no reviewer two NEW requests, and tells the others NOT_FOUND or CONFLICT', async () => {
    const running = await platform.start({ workers: ['jabba-w1', 'jabba-w2'], workerEnv: { WORKER_CONCURRENCY: '2' } });
    await expectOneReviewerPerCandidate(platform, running, { reviewers: 50, candidates: 30, askingTwice: 10 });
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
