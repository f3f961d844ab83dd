import { describe, expect, it } from 'vitest';
import { recordCells } from '../../src/csv/fields';

describe('recordCells', () => {
  const columns = ['a', 'b', 'c'];

  it('names each field by its header column, unquoted and trimmed', () => {
    expect(recordCells(columns, ' x ,"y, ""z""",')).toEqual([{ column: 'a', value: 'x' }, { column: 'b', value: 'y, "z"' }, { column: 'c', value: '' }]);
  });

  it('keeps the fields of a record of another width: extra ones unnamed, missing ones absent', () => {
    expect(recordCells(columns, '1,2,3,4')).toEqual([{ column: 'a', value: '1' }, { column: 'b', value: '2' }, { column: 'c', value: '3' }, { column: '', value: '4' }]);
    expect(recordCells(columns, '1')).toEqual([{ column: 'a', value: '1' }]);
  });

  it('is null for a record that is not CSV', () => {
    expect(recordCells(columns, '1,"2"x,3')).toBeNull();
  });
});
