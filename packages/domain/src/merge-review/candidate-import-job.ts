/**
 * The manual merge candidate import as a job type (SPEC §5, issue 5): a chunk of candidates (CSV
 * records or JSON items) → checked drafts → new persons and candidates inserted, set-based.
 * A bad record fails its task with VALIDATION_ERROR; a pair that is already a candidate (stored, or
 * earlier in the chunk) fails it with CONFLICT. A person already stored keeps its details (issue
 * 11): a processed task whose record gave other ones lists them in `meta.personDifferences`. The
 * engine writes every task's outcome in the same transaction as the candidates.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { type BatchOutcome, defineJobType, genericJobView, type TaskContext, type TaskToRun } from '../engine';
import { DomainError, problemMessages } from '../platform';
import {
  candidateErrorMessage, checkCandidateFields, duplicatePairMessage, pairKey, personDifferences, personsOf, placeOf,
  type MergeCandidateJobMeta, type MergeCandidateTaskMeta,
} from './candidate-rules';
import { existingPairs, insertCandidates, insertNewPersons, storedPersons, type NewCandidate } from './candidates';
import { mergeCandidateImportAccess } from './policy';

const duplicate = (place: string): BatchOutcome => ({ ok: false, error: new DomainError('CONFLICT', duplicatePairMessage(place)) });

export const mergeCandidateImportJob = defineJobType({
  type: 'import_manual_merge_candidates',
  name: 'Import manual merge candidates',
  taskName: 'Import merge candidate',
  // Bulk, set-based like the device registry; chunks inserting the same new person take turns on it.
  strategy: 'CONCURRENT',
  chunkSize: 1000,
  // How the tasks' input is to be read: CSV records by the upload's header, or JSON items.
  jobMeta: z.discriminatedUnion('source', [
    z.object({ source: z.literal('csv'), csvHeader: z.string() }),
    z.object({ source: z.literal('json') }),
  ]),
  // Where the candidate was in the upload: the line its CSV record starts on, or its array index.
  taskMeta: z.union([z.object({ csvDataLine: z.number().int().positive() }), z.object({ index: z.number().int().nonnegative() })]),
  taskInput: z.string(),
  graphqlType: genericJobView,
  access: mergeCandidateImportAccess,
  handler: () => ({ kind: 'batch', run: importCandidates }),
});

async function importCandidates(
  tasks: TaskToRun<MergeCandidateTaskMeta, string>[],
  { job, sql }: TaskContext<MergeCandidateJobMeta>,
): Promise<BatchOutcome[]> {
  const places = tasks.map((task) => placeOf(task.meta));
  const verdicts = checkCandidateFields(job.meta, tasks.map((task) => task.input));
  const outcomes = new Array<BatchOutcome | undefined>(tasks.length);

  // Within the chunk the first record of a pair (in file order) is the one that counts.
  const pairs = new Set<string>();
  const fresh: { at: number; candidate: NewCandidate }[] = [];
  verdicts.forEach((verdict, at) => {
    if (!verdict.ok) {
      const { fields } = verdict;
      outcomes[at] = { ok: false, error: new DomainError('VALIDATION_ERROR', candidateErrorMessage(places[at]!, problemMessages(fields)), { fields }) };
      return;
    }
    const key = pairKey(verdict.candidate);
    if (pairs.has(key)) {
      outcomes[at] = duplicate(places[at]!);
      return;
    }
    pairs.add(key);
    fresh.push({ at, candidate: { ...verdict.candidate, id: randomUUID() } });
  });

  // Pairs already stored are refused before anything is written, so a refused record adds no
  // person. A concurrent chunk may still insert one of the remaining pairs first: the insert then
  // skips it, and that task fails the same way.
  const stored = await existingPairs(sql, fresh.map((f) => f.candidate));
  const toInsert = fresh.filter((f) => {
    if (!stored.has(pairKey(f.candidate))) return true;
    outcomes[f.at] = duplicate(places[f.at]!);
    return false;
  });
  const candidates = toInsert.map((f) => f.candidate);
  const persons = personsOf(candidates);
  await insertNewPersons(sql, persons);
  const details = await storedPersons(sql, persons.map((p) => p.id));
  const inserted = await insertCandidates(sql, candidates, job.userId);
  for (const { at, candidate } of toInsert) {
    if (!inserted.has(candidate.id)) {
      outcomes[at] = duplicate(places[at]!);
      continue;
    }
    const differences = personDifferences(candidate, details);
    outcomes[at] = { ok: true, meta: { databaseId: candidate.id, ...(differences.length > 0 ? { personDifferences: differences } : {}) } };
  }

  return outcomes.map((outcome, at) => {
    if (!outcome) throw new Error(`no outcome for task ${tasks[at]?.id ?? at}`);
    return outcome;
  });
}
