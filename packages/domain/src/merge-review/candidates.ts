/**
 * Writes imported manual merge candidates set-based, inside the chunk's transaction: one statement
 * for the new persons, one reading the persons back, one for the candidates, one for their audit
 * rows, whatever the chunk's size. A
 * pair that is already a candidate is never an exception: `on conflict do nothing returning` says
 * which rows went in, and the caller fails the others.
 */
import type { CandidateDraft, PersonDetails, PersonRow } from './candidate-rules';
import { auditMany } from './audit-log';
import type { Sql } from '../platform';

export interface NewCandidate extends CandidateDraft {
  id: string;
}

/** Which of `pairs` are already candidates, as `pairKey`s. */
export async function existingPairs(sql: Sql, pairs: readonly { masterPersonId: string; personId: string }[]): Promise<Set<string>> {
  if (pairs.length === 0) return new Set();
  const rows = await sql.query<{ key: string }>(
    `select c.master_person_id || '/' || c.person_id as key
     from manual_merge_candidates c
     join unnest($1::uuid[], $2::uuid[]) as p(master_person_id, person_id) using (master_person_id, person_id)`,
    [pairs.map((p) => p.masterPersonId), pairs.map((p) => p.personId)],
  );
  return new Set(rows.map((r) => r.key));
}

/**
 * Inserts the persons that are not stored yet; a stored person is never changed (its details are
 * what reviewers decide on, and an uploader may not rewrite them). `persons` must name each id once
 * (`personsOf`). Rows go in id order, so two chunks inserting the same new persons wait on each
 * other's in the same order, never in a cycle; the one that waits inserts nothing.
 */
export async function insertNewPersons(sql: Sql, persons: readonly PersonRow[]): Promise<void> {
  if (persons.length === 0) return;
  await sql.query(
    `insert into persons (id, first_name, last_name, birth_date)
     select p.id, p.first_name, p.last_name, p.birth_date
     from jsonb_to_recordset($1::jsonb) as p(id uuid, first_name text, last_name text, birth_date date)
     order by p.id
     on conflict (id) do nothing`,
    [JSON.stringify(persons.map((p) => ({ id: p.id, first_name: p.firstName, last_name: p.lastName, birth_date: p.birthDate })))],
  );
}

/** The details of the persons `ids` as stored (committed, or inserted by this transaction), by id. */
export async function storedPersons(sql: Sql, ids: readonly string[]): Promise<Map<string, PersonDetails>> {
  if (ids.length === 0) return new Map();
  const rows = await sql.query<{ id: string; first_name: string | null; last_name: string | null; birth_date: string | null }>(
    `select id, first_name, last_name, to_char(birth_date, 'YYYY-MM-DD') as birth_date from persons where id = any($1::uuid[])`,
    [ids],
  );
  return new Map(rows.map((r) => [r.id, { firstName: r.first_name, lastName: r.last_name, birthDate: r.birth_date }]));
}

/**
 * Inserts candidates (their persons must exist); returns the ids of those that went in. A pair that
 * is already a candidate, committed or being inserted by a concurrent chunk, is skipped: Postgres
 * waits for that chunk's outcome instead of raising. Rows go in pair order, so two chunks never
 * wait on each other's pairs in a cycle. Each inserted candidate gets its audit row, `actorId` being
 * the user who uploaded it.
 */
export async function insertCandidates(sql: Sql, candidates: readonly NewCandidate[], actorId: string | null): Promise<Set<string>> {
  if (candidates.length === 0) return new Set();
  const rows = await sql.query<{ id: string; merge_candidate_id: string; person_id: string; master_person_id: string; status: string }>(
    `insert into manual_merge_candidates (id, merge_candidate_id, person_id, master_person_id)
     select c.id, c.merge_candidate_id, c.person_id, c.master_person_id
     from jsonb_to_recordset($1::jsonb) as c(id uuid, merge_candidate_id uuid, person_id uuid, master_person_id uuid)
     order by c.master_person_id, c.person_id
     on conflict (master_person_id, person_id) do nothing
     returning id, merge_candidate_id, person_id, master_person_id, status`,
    [JSON.stringify(candidates.map((c) => ({ id: c.id, merge_candidate_id: c.mergeCandidateId, person_id: c.personId, master_person_id: c.masterPersonId })))],
  );
  await auditMany(
    sql,
    rows.map(({ id, ...changeset }) => ({ actorId, resource: 'manual_merge_candidates', resourceId: id, changeset })),
  );
  return new Set(rows.map((r) => r.id));
}
