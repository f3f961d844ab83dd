import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { csvField, csvLine, csvLineEnd } from '../../src/csv/write';

describe('csvField', () => {
  it('leaves a field without special characters as it is', () => {
    expect(csvField('model_number is required')).toBe('model_number is required');
    expect(csvField('')).toBe('');
    expect(csvField("it's ; fine | too")).toBe("it's ; fine | too");
    expect(csvField(' padded ')).toBe(' padded ');
  });

  it('quotes a field with a comma, CR or LF', () => {
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('line 1\r\nline 2')).toBe('"line 1\r\nline 2"');
    expect(csvField('bare\nLF')).toBe('"bare\nLF"');
    expect(csvField('bare\rCR')).toBe('"bare\rCR"');
  });

  it('quotes a field with a double quote and doubles every quote', () => {
    expect(csvField('Line 3, column "x": is invalid')).toBe('"Line 3, column ""x"": is invalid"');
    expect(csvField('"')).toBe('""""');
    expect(csvField('say ""hi""')).toBe('"say """"hi"""""');
  });
});

describe('csvLine', () => {
  it('joins fields with commas, escaping each on its own', () => {
    expect(csvLine(['7', 'VALIDATION_ERROR', 'a "b", c'])).toBe('7,VALIDATION_ERROR,"a ""b"", c"');
    expect(csvLine([])).toBe('');
    expect(csvLine([''])).toBe('');
    expect(csvLine(['', ''])).toBe(',');
  });

  it('round-trips through an RFC 4180 parser', () => {
    const records = [
      ['plain', 'with,comma', 'with "quotes"'],
      ['multi\r\nline', '', 'trailing\n'],
      ['ünïcödé', '"', ','],
    ];
    const text = records.map((r) => csvLine(r) + csvLineEnd).join('');
    expect(parse(text)).toEqual(records);
  });
});
