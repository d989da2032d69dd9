/**
 * The log view's scroll and wrap, as pure functions: which display rows of a log show in a
 * window of `height` rows. `top === null` follows the tail (the default), so new lines show as
 * they come; any scroll up pins the window, and `G` (or scrolling back to the end) follows again.
 */
export interface LogScroll {
  /** First display row shown; null: follow the tail. */
  top: number | null;
  /** Long lines wrap onto several rows instead of being cut. */
  wrap: boolean;
}

export const followTail: LogScroll = { top: null, wrap: false };

export type LogMove = 'up' | 'down' | 'page-up' | 'page-down' | 'top' | 'bottom' | 'wrap';

/** Lines as the rows a window of `width` columns shows: cut (one row each) or wrapped. */
export function displayRows(lines: readonly string[], wrap: boolean, width: number): string[] {
  if (!wrap) return [...lines];
  const w = Math.max(1, width);
  return lines.flatMap((line) => {
    const chars = Array.from(line);
    if (chars.length <= w) return [line];
    const rows: string[] = [];
    for (let i = 0; i < chars.length; i += w) rows.push(chars.slice(i, i + w).join(''));
    return rows;
  });
}

function lastTop(total: number, height: number): number {
  return Math.max(0, total - height);
}

/** The first row shown. */
export function topOf(scroll: LogScroll, total: number, height: number): number {
  return scroll.top === null ? lastTop(total, height) : Math.min(scroll.top, lastTop(total, height));
}

/** A key's effect on the scroll of `total` display rows in a window of `height`. */
export function moveLog(scroll: LogScroll, move: LogMove, total: number, height: number): LogScroll {
  if (move === 'wrap') return { top: null, wrap: !scroll.wrap };
  if (move === 'bottom') return { ...scroll, top: null };
  if (move === 'top') return { ...scroll, top: 0 };
  const page = Math.max(1, height - 1);
  const delta = { up: -1, down: 1, 'page-up': -page, 'page-down': page }[move];
  const end = lastTop(total, height);
  const top = Math.max(0, Math.min(end, topOf(scroll, total, height) + delta));
  // Back at the end: follow the tail again.
  return { ...scroll, top: top >= end ? null : top };
}

/** The rows in the window and where it stands, for a "rows 10-30 of 200" label. */
export function logWindow(lines: readonly string[], scroll: LogScroll, height: number, width: number): { rows: string[]; first: number; total: number } {
  const all = displayRows(lines, scroll.wrap, width);
  const first = topOf(scroll, all.length, height);
  return { rows: all.slice(first, first + height), first, total: all.length };
}

/** The lines that contain `filter`, in any case; all of them when it is empty. */
export function filterLines(lines: readonly string[], filter: string): string[] {
  if (!filter) return [...lines];
  const needle = filter.toLowerCase();
  return lines.filter((l) => l.toLowerCase().includes(needle));
}
