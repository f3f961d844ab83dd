import { describe, expect, it } from 'vitest';
import { CopyBuffer, copyRow } from '../../src/platform';

describe('copyRow', () => {
  it('writes COPY text: tab-separated, \\N for null, backslash, tab, CR and LF escaped', () => {
    expect(copyRow(['a\tb', null, 3, true, 'line\r\nnext \\ end', ''])).toBe('a\\tb\t\\N\t3\ttrue\tline\\r\\nnext \\\\ end\t\n');
  });
});

describe('CopyBuffer', () => {
  it('gathers the rows as their UTF-8 bytes, non-ASCII text and escapes included, and starts afresh after take', () => {
    const rows = new CopyBuffer();
    expect(rows.empty).toBe(true);
    rows.add(['Пристрій 1', 'a\tb']);
    rows.add([null, '🩺']);
    expect(rows.take().toString('utf8')).toBe('Пристрій 1\ta\\tb\n\\N\t🩺\n');
    expect(rows.empty).toBe(true);
    rows.add(['x']);
    expect(rows.take().toString('utf8')).toBe('x\n');
  });

  it('is full from 64 KiB on, and holds a row larger than its buffer whole', () => {
    const rows = new CopyBuffer();
    const wide = 'ж'.repeat(100_000);
    rows.add(['small']);
    expect(rows.full).toBe(false);
    rows.add([wide]);
    expect(rows.full).toBe(true);
    const taken = rows.take().toString('utf8');
    expect(taken).toBe(`small\n${wide}\n`);
    expect(Buffer.byteLength(taken)).toBe(6 + 200_001);
  });
});
