import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { csvField, csvLine, csvLineEnd, inertCell, inertRecord } from '../../src/csv/write';

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

describe('inertCell and inertRecord (OWASP CSV injection)', () => {
  it('prefixes a quote to every cell a spreadsheet would run as a formula, and to no other', () => {
    for (const cell of ['=1+1', '+1', '-2', '@SUM(A1)', '\tx', '\rx']) expect(inertCell(cell)).toBe(`'${cell}`);
    for (const cell of ['Acme', 'M-2', 'a=b', '', "'already"]) expect(inertCell(cell)).toBe(cell);
  });

  it('keeps a harmless record byte for byte, however it was quoted', () => {
    for (const record of ['MED,Acme,M-1,x', 'MED,"Acme",M-2,"first line\r\nsecond line"', '2026-01-01,a=b,x@y']) {
      expect(inertRecord(record)).toBe(record);
    }
  });

  it('rewrites a record with a formula cell, neutralising only those cells', () => {
    expect(inertRecord('MED,"=HYPERLINK(""http://x"")",-5,"@me, too",ok')).toBe(`MED,"'=HYPERLINK(""http://x"")",'-5,"'@me, too",ok`);
    expect(parse(inertRecord('=1+1,plain'))).toEqual([["'=1+1", 'plain']]);
  });

  it('turns a record that does not parse into one inert cell', () => {
    expect(inertRecord('=cmd,"open')).toBe(`"'=cmd,""open"`);
  });
});
