import { describe, expect, it } from 'vitest';
import { feedChunk, type ChunkKey } from '../../src/console/key-chunks.js';

/** A console in miniature: `:` or `/` opens a prompt, Enter in the prompt closes it. */
function feed(input: string): string[] {
  let prompt = false;
  const pressed: string[] = [];
  feedChunk(input, () => prompt, (text: string, key: ChunkKey) => {
    if (prompt) {
      pressed.push(`typed ${JSON.stringify(text)}`);
      if (/[\r\n]$/.test(text)) prompt = false;
      return;
    }
    pressed.push(key.return ? 'enter' : key.tab ? 'tab' : text);
    if (text === ':' || text === '/') prompt = true;
  });
  return pressed;
}

describe('a chunk of input as keys', () => {
  it('each character is a key; Enter and Tab are named', () => {
    expect(feed('jj\t\r')).toEqual(['j', 'j', 'tab', 'enter']);
  });

  it('once a key opens a prompt, the rest up to its Enter is typed into it in one piece', () => {
    expect(feed(':backups')).toEqual([':', 'typed "backups"']);
    expect(feed('/ETH\x7f\x7fTC')).toEqual(['/', `typed ${JSON.stringify('ETH\x7f\x7fTC')}`]);
  });

  it('the keys after the prompt\'s Enter are keys again, not lost and not typed', () => {
    expect(feed(':backups\r5')).toEqual([':', 'typed "backups\\r"', '5']);
    expect(feed(':jobs\r:jbos\r')).toEqual([':', 'typed "jobs\\r"', ':', 'typed "jbos\\r"']);
    expect(feed('/ETH\nj\t')).toEqual(['/', 'typed "ETH\\n"', 'j', 'tab']);
  });
});
