/**
 * One-line text prompts (the symbol filter, the wizards' typed confirmations) as a pure step:
 * what a chunk of input does to the text. A terminal delivers a paste, fast typing or keys
 * buffered on a slow link as one chunk ("BTC", "\x7f\x7f"), so every character of the chunk
 * counts, not just a chunk of one.
 */
export interface LineKey {
  return?: boolean;
  escape?: boolean;
  backspace?: boolean;
  delete?: boolean;
  ctrl?: boolean;
  meta?: boolean;
}

export interface LineEdit {
  value: string;
  /** Enter ends the prompt with the text, Esc without; null: still typing. */
  ended: null | 'submit' | 'cancel';
}

/** Printable characters: no control characters and no DEL. */
export function isPrintable(ch: string): boolean {
  return !/^[\u0000-\u001f\u007f-\u009f]$/u.test(ch);
}

const ERASE = new Set(['\x7f', '\b']);
const ENTER = new Set(['\r', '\n']);

/**
 * Applies one input chunk (Ink's `input` and `key`) to the text: each accepted character is
 * appended, each DEL or Backspace in it erases one character, Enter in it ends the prompt there
 * (what follows Enter in the same chunk is not typed into the text), Ctrl-U clears the line.
 * Other control keys and characters that `accept` refuses leave the text as it is.
 */
export function editLine(value: string, input: string, key: LineKey, accept: (ch: string) => boolean = isPrintable): LineEdit {
  if (key.escape) return { value, ended: 'cancel' };
  if (key.return) return { value, ended: 'submit' };
  // Ink names a lone DEL `delete` and a lone ^H `backspace`, with an empty input.
  if ((key.backspace || key.delete) && !input) return { value: eraseOne(value), ended: null };
  if (key.ctrl) return { value: input === 'u' ? '' : value, ended: null };
  if (key.meta) return { value, ended: null };
  let text = value;
  for (const ch of input) {
    if (ERASE.has(ch)) text = eraseOne(text);
    else if (ENTER.has(ch)) return { value: text, ended: 'submit' };
    else if (accept(ch)) text += ch;
  }
  return { value: text, ended: null };
}

function eraseOne(text: string): string {
  return Array.from(text).slice(0, -1).join('');
}
