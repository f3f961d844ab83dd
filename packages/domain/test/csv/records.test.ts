import { describe, expect, it } from 'vitest';
import { CsvRecordSplitter, type RawRecord } from '../../src/csv/records';
import { parse } from 'csv-parse/sync';
import { parseHeader, parseRecords } from '../../src/csv/fields';

/** Feeds `text` in pieces of `size` characters: record boundaries must not depend on the chunking. */
function split(text: string, size = text.length || 1): RawRecord[] {
  const splitter = new CsvRecordSplitter();
  const records: RawRecord[] = [];
  for (let i = 0; i < text.length; i += size) records.push(...splitter.push(text.slice(i, i + size)));
  return [...records, ...splitter.end()];
}

describe('CsvRecordSplitter', () => {
  const file = '\uFEFFa,b,c\r\n1,"x,\r\ny",3\r\n\r\n4,"say ""hi""",6\n"multi\nline\nfield",8,9';
  const expected = [
    { text: 'a,b,c', line: 1 },
    { text: '1,"x,\r\ny",3', line: 2 },
    { text: '4,"say ""hi""",6', line: 5 },
    { text: '"multi\nline\nfield",8,9', line: 6 },
  ];

  it('splits records at line breaks outside quotes, strips the BOM and CR, skips blank lines, numbers lines from 1', () => {
    expect(split(file)).toEqual(expected);
  });

  it('gives the same records whatever the chunk boundaries', () => {
    for (const size of [1, 2, 3, 7, 16]) expect(split(file, size)).toEqual(expected);
  });

  it('ignores a final line break and counts lines after one', () => {
    expect(split('h\n1\n2\n')).toEqual([{ text: 'h', line: 1 }, { text: '1', line: 2 }, { text: '2', line: 3 }]);
  });

  it('refuses a quoted field left open at the end, naming the line it starts on', () => {
    expect(() => split('h\nok\n"open,\nmore')).toThrow('Line 3: a quoted field is not closed before the end of the file');
  });
});

describe('parseRecords', () => {
  it('parses a chunk of raw records into fields, quotes and embedded line breaks included', () => {
    expect(parseRecords(['1,"x,\r\ny",3', '4,"say ""hi""",6'])).toEqual([
      { ok: true, fields: ['1', 'x,\r\ny', '3'] },
      { ok: true, fields: ['4', 'say "hi"', '6'] },
    ]);
  });

  it('finds the malformed records of a chunk and parses the others', () => {
    expect(parseRecords(['a,b', 'a,b"c,d', 'a,"b"c', 'e,f'])).toEqual([
      { ok: true, fields: ['a', 'b'] },
      { ok: false, problem: 'a field has a quote inside it; quote the whole field and double the quotes within' },
      { ok: false, problem: 'a quoted field has characters after its closing quote' },
      { ok: true, fields: ['e', 'f'] },
    ]);
  });

  it('splits well-formed records by hand exactly as csv-parse does', () => {
    const records = ['a,b,c', ',,', '"",""', '"a ""b"" c",d', '"x,\r\ny",', 'plain,"quoted, comma",""""', '"end"', 'é,"ü"'];
    for (const text of records) {
      const [expected] = parse(text, { relax_column_count: true, record_delimiter: '\n' }) as string[][];
      expect(parseRecords([text])).toEqual([{ ok: true, fields: expected }]);
    }
  });

  it('trims header names', () => {
    expect(parseHeader(' a , "b" ')).toEqual({ ok: true, fields: ['a', 'b'] });
  });
});
