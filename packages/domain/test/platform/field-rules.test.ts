import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fieldProblem, fieldRuleMeanings, fieldRules, maxFieldValueLength, recordProblem } from '../../src/platform/field-rules';

describe('field problems', () => {
  it('clip a value to 200 characters, never inside a surrogate pair', () => {
    expect(fieldProblem('note', 'x'.repeat(201), 'max_length', 'm')).toEqual({ column: 'note', value: 'x'.repeat(200), rule: 'max_length', message: 'm' });
    expect(fieldProblem('note', `${'x'.repeat(199)}😀`, 'max_length', 'm').value).toBe('x'.repeat(199));
    expect(fieldProblem('note', 'short', 'uuid', 'm').value).toBe('short');
    expect(maxFieldValueLength).toBe(200);
    expect(recordProblem('field_count', 'm')).toEqual({ column: null, value: null, rule: 'field_count', message: 'm' });
  });

  it('are documented in the README, one table row per rule code with its meaning', () => {
    const readme = readFileSync(new URL('../../../../README.md', import.meta.url), 'utf8');
    const rows = [...readme.matchAll(/^\| `([a-z_]+)` \| (.+) \|$/gm)].filter(([, code]) => (fieldRules as readonly string[]).includes(code!));
    expect(Object.fromEntries(rows.map(([, code, meaning]) => [code, meaning]))).toEqual(fieldRuleMeanings);
    expect(Object.keys(fieldRuleMeanings)).toEqual([...fieldRules]);
  });
});
