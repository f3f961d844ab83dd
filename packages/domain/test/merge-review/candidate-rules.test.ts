import { describe, expect, it } from 'vitest';
import { mergeCandidateImportJob } from '../../src/merge-review/candidate-import-job';
import { candidateItems } from '../../src/merge-review/candidate-upload';
import {
  candidateColumns, candidateErrorMessage, candidateHeaderProblems, checkCandidates, checkCsvCandidates, checkJsonCandidates,
  duplicatePairMessage, personDifferences, personsOf, placeOf, type CandidateDraft,
} from '../../src/merge-review/candidate-rules';

const a = '0b1e6f1c-0a5e-4c4e-9f0e-3d2b1a000001';
const b = '0b1e6f1c-0a5e-4c4e-9f0e-3d2b1a000002';
const c = '0B1E6F1C-0A5E-4C4E-9F0E-3D2B1A000003';
const header = candidateColumns.join(',');

const csvProblems = (record: string): string[] => {
  const [verdict] = checkCsvCandidates(header, [record]);
  return verdict && !verdict.ok ? verdict.problems : [];
};

describe('candidateHeaderProblems', () => {
  it('accepts the mandatory columns in any order, with optional ones', () => {
    expect(candidateHeaderProblems(['master_person_id', 'person_id', 'merge_candidate_id'])).toEqual([]);
    expect(candidateHeaderProblems([...candidateColumns].reverse())).toEqual([]);
  });

  it('names missing, unknown and repeated columns', () => {
    expect(candidateHeaderProblems(['person_id', 'personId', 'person_id', 'master_first_name'])).toEqual([
      'the header row lacks the mandatory columns merge_candidate_id, master_person_id',
      'the header row has unknown columns "personId"',
      'the header row repeats the columns person_id',
    ]);
  });
});

describe('checkCsvCandidates', () => {
  it('reads ids (lower-cased), trimmed details, and blank details as not given', () => {
    const [verdict] = checkCsvCandidates(header, [`${a},${b}, ${c} ,"Ann, Jr.",Smith,1990-02-28,,,`]);
    expect(verdict).toEqual({
      ok: true,
      candidate: {
        mergeCandidateId: a, personId: b, masterPersonId: c.toLowerCase(),
        person: { firstName: 'Ann, Jr.', lastName: 'Smith', birthDate: '1990-02-28' },
        master: { firstName: null, lastName: null, birthDate: null },
      },
    });
  });

  it('names every bad column of a record at once', () => {
    expect(csvProblems(`,not-a-uuid,${a},,,1990-02-30,,,2000-1-01`)).toEqual([
      'column "merge_candidate_id" is required',
      'column "person_id" must be a UUID, got "not-a-uuid"',
      'column "person_birth_date" must be a date YYYY-MM-DD, got "1990-02-30"',
      'column "master_birth_date" must be a date YYYY-MM-DD, got "2000-1-01"',
    ]);
  });

  it('knows leap years and refuses year 0', () => {
    expect(csvProblems(`${a},${b},${c},,,2000-02-29,,,1900-02-29`)).toEqual(['column "master_birth_date" must be a date YYYY-MM-DD, got "1900-02-29"']);
    expect(csvProblems(`${a},${b},${c},,,0000-01-01,,,`)).toEqual(['column "person_birth_date" must be a date YYYY-MM-DD, got "0000-01-01"']);
  });

  it('refuses a pair of one person with itself, however its ids are written', () => {
    expect(csvProblems(`${a},${c},${c.toLowerCase()},,,,,,`)).toEqual(['columns "person_id" and "master_person_id" must name two different persons']);
  });

  it('refuses names longer than 255 characters', () => {
    expect(csvProblems(`${a},${b},${c},${'x'.repeat(256)},,,,,`)).toEqual(['column "person_first_name" is longer than 255 characters (256)']);
  });

  it('reads columns by the header, and refuses a record of another width or bad quoting', () => {
    const [verdict] = checkCsvCandidates('person_id,master_first_name,master_person_id,merge_candidate_id', [`${b},Bob,${c},${a}`]);
    expect(verdict).toMatchObject({ ok: true, candidate: { personId: b, master: { firstName: 'Bob' }, mergeCandidateId: a } });
    expect(checkCsvCandidates(header, [`${a},${b}`, `${a},"x"y,${c},,,,,,`])).toEqual([
      { ok: false, problems: ['the record has 2 fields but the header has 9'] },
      { ok: false, problems: [expect.stringContaining('quote')] },
    ]);
  });
});

describe('checkJsonCandidates', () => {
  it('reads the same fields from an object; null and absent details are not given', () => {
    const item = { merge_candidate_id: a, person_id: b, master_person_id: c, person_last_name: null, master_birth_date: '1970-01-01' };
    expect(checkJsonCandidates([JSON.stringify(item)])).toEqual([{
      ok: true,
      candidate: {
        mergeCandidateId: a, personId: b, masterPersonId: c.toLowerCase(),
        person: { firstName: null, lastName: null, birthDate: null },
        master: { firstName: null, lastName: null, birthDate: '1970-01-01' },
      },
    }]);
  });

  it('names fields that are missing or of the wrong type', () => {
    expect(checkJsonCandidates([JSON.stringify({ person_id: 42, master_person_id: c, master_first_name: ['Bob'] }), '[1]', '{'])).toEqual([
      { ok: false, problems: ['field "merge_candidate_id" is required', 'field "person_id" must be a UUID, got 42', 'field "master_first_name" must be a string, got ["Bob"]'] },
      { ok: false, problems: ['the item must be a JSON object'] },
      { ok: false, problems: ['the item is not valid JSON'] },
    ]);
  });
});

describe('checkCandidates', () => {
  it('reads inputs by the source the job meta names', () => {
    expect(checkCandidates({ source: 'csv', csvHeader: 'person_id,master_person_id,merge_candidate_id' }, [`${a},${b},${c}`])[0]?.ok).toBe(true);
    expect(checkCandidates({ source: 'json' }, ['{}'])[0]?.ok).toBe(false);
  });

  it('never sees a job meta that names neither source: the job type refuses it before the handler runs', () => {
    expect(mergeCandidateImportJob.jobMeta.safeParse({ source: 'csv' }).success).toBe(false);
    expect(mergeCandidateImportJob.jobMeta.safeParse({ source: 'xml' }).success).toBe(false);
    expect(mergeCandidateImportJob.taskMeta.safeParse({}).success).toBe(false);
  });
});

describe('messages', () => {
  it('name the CSV line or the JSON item', () => {
    expect(candidateErrorMessage(placeOf({ csvDataLine: 7 }), ['p1', 'p2'])).toBe('Line 7: p1; p2');
    expect(duplicatePairMessage(placeOf({ csvDataLine: 3 }))).toBe('Line 3: the pair (master_person_id, person_id) is already a merge candidate');
    expect(duplicatePairMessage(placeOf({ index: 0 }))).toBe('$[0]: the pair (master_person_id, person_id) is already a merge candidate');
  });
});

describe('personsOf', () => {
  const draft = (personId: string, masterPersonId: string, person: Partial<CandidateDraft['person']> = {}, master: Partial<CandidateDraft['master']> = {}): CandidateDraft => ({
    mergeCandidateId: a, personId, masterPersonId,
    person: { firstName: null, lastName: null, birthDate: null, ...person },
    master: { firstName: null, lastName: null, birthDate: null, ...master },
  });

  it('lists each person once, sorted by id, each detail from the first candidate that gives it', () => {
    const cc = c.toLowerCase();
    expect(personsOf([draft(b, cc, { firstName: 'Bea' }, { lastName: 'Old' }), draft(a, cc, {}, { lastName: 'New', birthDate: '1950-05-05' }), draft(cc, b)])).toEqual([
      { id: a, firstName: null, lastName: null, birthDate: null },
      { id: b, firstName: 'Bea', lastName: null, birthDate: null },
      { id: cc, firstName: null, lastName: 'Old', birthDate: '1950-05-05' },
    ]);
  });
});

describe('personDifferences', () => {
  const stored = new Map([
    [a, { firstName: 'Ann', lastName: null, birthDate: '1990-01-02' }],
    [b, { firstName: 'Bo', lastName: 'Berg', birthDate: null }],
  ]);
  const candidate = (person: CandidateDraft['person'], master: CandidateDraft['master']): CandidateDraft => ({ mergeCandidateId: c, personId: a, masterPersonId: b, person, master });

  it('names each detail given with another value than the stored one, by its upload column; a detail not given is none', () => {
    expect(personDifferences(candidate({ firstName: 'Ann', lastName: 'Apple', birthDate: '1990-01-03' }, { firstName: null, lastName: 'Berg', birthDate: null }), stored)).toEqual([
      { personId: a, field: 'person_last_name', uploaded: 'Apple' },
      { personId: a, field: 'person_birth_date', uploaded: '1990-01-03' },
    ]);
    expect(personDifferences(candidate({ firstName: null, lastName: null, birthDate: null }, { firstName: 'bo', lastName: null, birthDate: '2000-01-01' }), stored)).toEqual([
      { personId: b, field: 'master_first_name', uploaded: 'bo' },
      { personId: b, field: 'master_birth_date', uploaded: '2000-01-01' },
    ]);
    expect(personDifferences(candidate({ firstName: 'Ann', lastName: null, birthDate: null }, { firstName: 'Bo', lastName: 'Berg', birthDate: null }), stored)).toEqual([]);
  });
});

describe('candidateItems', () => {
  const refused = (body: unknown) => {
    try {
      candidateItems(body);
    } catch (error) {
      return { message: (error as Error).message, ...(error as { code: string; details: object }) };
    }
    throw new Error('not refused');
  };

  it('accepts an array of objects with candidate fields', () => {
    expect(candidateItems([{ person_id: 'x' }, {}])).toEqual([{ person_id: 'x' }, {}]);
  });

  it('refuses anything but an array of 1 to 100,000 objects with known fields, by JSON path', () => {
    expect(refused({ person_id: a })).toMatchObject({ code: 'UNPROCESSABLE_ENTITY', message: 'Validation failed', details: { inputErrors: [{ path: '$', message: 'must be a JSON array of merge candidates' }] } });
    expect(refused([])).toMatchObject({ details: { inputErrors: [{ path: '$', message: 'must hold at least one merge candidate' }] } });
    expect(refused(Array.from({ length: 100_001 }, () => ({})))).toMatchObject({ details: { inputErrors: [{ path: '$', message: 'must hold at most 100000 merge candidates, not 100001' }] } });
    expect(refused([{}, 'x', { personId: a, person_id: a }, null])).toMatchObject({
      details: {
        inputErrors: [
          { path: '$[1]', message: 'must be a JSON object' },
          { path: '$[2].personId', message: 'is not a merge candidate field' },
          { path: '$[3]', message: 'must be a JSON object' },
        ],
      },
    });
  });

  it('lists at most 20 problems', () => {
    expect((refused(Array.from({ length: 50 }, () => 1)) as { details: { inputErrors: unknown[] } }).details.inputErrors).toHaveLength(20);
  });
});
