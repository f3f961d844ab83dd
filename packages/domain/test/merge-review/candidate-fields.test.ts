import { describe, expect, it } from 'vitest';
import { candidateColumns, checkCandidateFields } from '../../src/merge-review/candidate-rules';
import type { FieldProblem } from '../../src/platform/field-rules';

const a = '0b1e6f1c-0a5e-4c4e-9f0e-3d2b1a000001';
const b = '0b1e6f1c-0a5e-4c4e-9f0e-3d2b1a000002';
const csv = { source: 'csv', csvHeader: candidateColumns.join(',') } as const;
const entry = (column: string | null, value: string | null, rule: FieldProblem['rule'], message: string): FieldProblem => ({ column, value, rule, message });

describe('a merge candidate\'s problems one by one', () => {
  it('maps each CSV check to its rule, column and trimmed value', () => {
    expect(checkCandidateFields(csv, [`, x1 ,${a},${'n'.repeat(256)},,1990-02-30,,,`, `${a},${b},${b.toUpperCase()},,,,,,`])).toEqual([
      { ok: false, fields: [
        entry('merge_candidate_id', '', 'required', 'column "merge_candidate_id" is required'),
        entry('person_id', 'x1', 'uuid', 'column "person_id" must be a UUID, got " x1 "'),
        entry('person_first_name', 'n'.repeat(200), 'max_length', 'column "person_first_name" is longer than 255 characters (256)'),
        entry('person_birth_date', '1990-02-30', 'date', 'column "person_birth_date" must be a date YYYY-MM-DD, got "1990-02-30"'),
      ] },
      { ok: false, fields: [entry(null, null, 'distinct_persons', 'columns "person_id" and "master_person_id" must name two different persons')] },
    ]);
    expect(checkCandidateFields(csv, [`${a},${b}`, `${a},"x"y,${b},,,,,,`])).toEqual([
      { ok: false, fields: [entry(null, null, 'field_count', 'the record has 2 fields but the header has 9')] },
      { ok: false, fields: [entry(null, null, 'malformed_csv', 'a quoted field has characters after its closing quote')] },
    ]);
  });

  it('shows a JSON field that is no string as JSON, and names no field for an item that is no object', () => {
    expect(checkCandidateFields({ source: 'json' }, [JSON.stringify({ merge_candidate_id: a, person_id: 42, master_person_id: b, master_first_name: ['Bob'] }), '[1]', '{'])).toEqual([
      { ok: false, fields: [
        entry('person_id', '42', 'uuid', 'field "person_id" must be a UUID, got 42'),
        entry('master_first_name', '["Bob"]', 'string', 'field "master_first_name" must be a string, got ["Bob"]'),
      ] },
      { ok: false, fields: [entry(null, null, 'not_object', 'the item must be a JSON object')] },
      { ok: false, fields: [entry(null, null, 'malformed_json', 'the item is not valid JSON')] },
    ]);
  });
});
