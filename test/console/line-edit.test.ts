import { describe, expect, it } from 'vitest';
import { editLine } from '../../src/console/line-edit.js';
import { editFilter, initialView } from '../../src/console/view-state.js';

describe('editLine: one chunk of input into a text prompt', () => {
  it('appends every character of a chunk, not only a chunk of one', () => {
    expect(editLine('', 'BTC', {})).toEqual({ value: 'BTC', ended: null });
    expect(editLine('ET', 'H', {})).toEqual({ value: 'ETH', ended: null });
    expect(editLine('', 'restore 42', {})).toEqual({ value: 'restore 42', ended: null });
  });

  it('erases one character per DEL or ^H in the chunk, and never past the start', () => {
    expect(editLine('BTCUSDT', '\x7f\x7f', {})).toEqual({ value: 'BTCUS', ended: null });
    expect(editLine('BTC', '\b\b', {})).toEqual({ value: 'B', ended: null });
    expect(editLine('B', '\x7f\x7f\x7f', {})).toEqual({ value: '', ended: null });
    expect(editLine('BTX', '\x7fC', {})).toEqual({ value: 'BTC', ended: null });
  });

  it("takes Ink's single Backspace or Delete key, which comes with an empty input", () => {
    expect(editLine('BTC', '', { delete: true })).toEqual({ value: 'BT', ended: null });
    expect(editLine('BTC', '', { backspace: true })).toEqual({ value: 'BT', ended: null });
    expect(editLine('ü€', '', { delete: true })).toEqual({ value: 'ü', ended: null });
  });

  it('ends on Enter with the text, and on Esc without changing it', () => {
    expect(editLine('BTC', '', { return: true })).toEqual({ value: 'BTC', ended: 'submit' });
    expect(editLine('', 'ETH\rq', {})).toEqual({ value: 'ETH', ended: 'submit' });
    expect(editLine('BTC', '', { escape: true })).toEqual({ value: 'BTC', ended: 'cancel' });
  });

  it('keeps only what the prompt accepts; Ctrl-U clears; other control keys change nothing', () => {
    const digits = (ch: string) => /\d/.test(ch);
    expect(editLine('1', 'a2-3', {}, digits)).toEqual({ value: '123', ended: null });
    expect(editLine('BTC', '\x01\x1b', {})).toEqual({ value: 'BTC', ended: null });
    expect(editLine('BTC', 'u', { ctrl: true })).toEqual({ value: '', ended: null });
    expect(editLine('BTC', 'l', { ctrl: true })).toEqual({ value: 'BTC', ended: null });
  });
});

describe('editFilter', () => {
  const filtering = { ...initialView, filtering: true };

  it('takes a whole word in one chunk, upper-cased, letters and digits only', () => {
    expect(editFilter(filtering, 'btc', {})).toMatchObject({ filter: 'BTC', filtering: true });
    expect(editFilter(filtering, 'eth-usdt 1', {})).toMatchObject({ filter: 'ETHUSDT1', filtering: true });
  });

  it('deletes as many characters as Backspaces arrived together', () => {
    expect(editFilter({ ...filtering, filter: 'BTCUSDT' }, '\x7f\x7f\x7f\x7f', {})).toMatchObject({ filter: 'BTC', filtering: true });
  });

  it('Enter keeps the filter (also inside a chunk), Esc clears it', () => {
    expect(editFilter({ ...filtering, filter: 'BT' }, 'C\r', {})).toMatchObject({ filter: 'BTC', filtering: false });
    expect(editFilter({ ...filtering, filter: 'BTC' }, '', { return: true })).toMatchObject({ filter: 'BTC', filtering: false });
    expect(editFilter({ ...filtering, filter: 'BTC' }, '', { escape: true })).toMatchObject({ filter: '', filtering: false });
  });
});
