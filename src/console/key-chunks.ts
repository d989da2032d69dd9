/**
 * A chunk of input (a paste, fast typing, keys buffered on a slow link) as the keys it holds: a
 * terminal delivers `:backups⏎5` or `/ETH⏎` in one read, and every key in it must count.
 */
export interface ChunkKey {
  return?: boolean;
  tab?: boolean;
}

/**
 * Feeds `input` to `press` in order. While `typing()` holds (a prompt is open), the text up to and
 * including the next Enter goes to the prompt as one piece, so the prompt sees the whole word and
 * ends at the Enter; the keys after it are keys again (`:backups⏎5` goes to Backups, then to panel
 * 5), not lost and not typed into the next prompt. Outside a prompt each character is a key; Enter
 * and Tab are named as Ink names them (Tab pressed fast several times arrives as one chunk).
 */
export function feedChunk(input: string, typing: () => boolean, press: (input: string, key: ChunkKey) => void): void {
  const chars = Array.from(input);
  let i = 0;
  while (i < chars.length) {
    if (typing()) {
      const rest = chars.slice(i);
      const enter = rest.findIndex((ch) => ch === '\r' || ch === '\n');
      const text = enter === -1 ? rest : rest.slice(0, enter + 1);
      press(text.join(''), {});
      i += text.length;
      continue;
    }
    const ch = chars[i]!;
    press(ch === '\r' || ch === '\t' ? '' : ch, ch === '\r' ? { return: true } : ch === '\t' ? { tab: true } : {});
    i += 1;
  }
}
