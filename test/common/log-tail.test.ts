import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tailLines, wholeLines } from '../../src/common/log-tail.js';
import { tempDir } from '../helpers/temp-dir.js';

describe('wholeLines', () => {
  it('drops the first line of a window that starts inside the file, and empty lines', () => {
    expect(wholeLines(Buffer.from('cut\none\n\ntwo\n'), false)).toEqual(['one', 'two']);
    expect(wholeLines(Buffer.from('whole\none\n'), true)).toEqual(['whole', 'one']);
    // The window includes the byte before it: a newline there means the first line is whole.
    expect(wholeLines(Buffer.from('\nwhole\n'), false)).toEqual(['whole']);
  });
});

describe('tailLines', () => {
  it('reads a bounded tail, dropping the line cut at its start', () => {
    const file = path.join(tempDir(), 'x.log');
    fs.writeFileSync(file, `${'a'.repeat(100)}\nline two\nline three\n`);
    expect(tailLines(file, { maxBytes: 25 })).toEqual(['line two', 'line three']);
    expect(tailLines(file)).toHaveLength(3);
  });

  it('keeps a first line that the window starts exactly at', () => {
    const file = path.join(tempDir(), 'x.log');
    fs.writeFileSync(file, 'first\nsecond\nthird\n');
    // "second\nthird\n" is 13 bytes: the window starts right after a newline.
    expect(tailLines(file, { maxBytes: 13 })).toEqual(['second', 'third']);
    expect(tailLines(file, { maxBytes: 12 })).toEqual(['third']);
  });

  it('keeps the last `lines` lines, including one without a final newline', () => {
    const file = path.join(tempDir(), 'x.log');
    fs.writeFileSync(file, Array.from({ length: 50 }, (_, i) => `line ${i}`).join('\n'));
    expect(tailLines(file, { lines: 3 })).toEqual(['line 47', 'line 48', 'line 49']);
  });

  it('has nothing for a missing file', () => {
    expect(tailLines(path.join(tempDir(), 'none.log'), { lines: 5 })).toEqual([]);
  });
});
