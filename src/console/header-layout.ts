/**
 * The header's line as plain arithmetic over its parts, so every width can be checked without a
 * terminal. What on-call reads first stays whole: this host, its role (leader, follower of whom)
 * and the health's status word; when the line is too long, the tail of the causes after the
 * status word is shortened first (with an ellipsis, down to the first cause), then the data dir
 * (its start, keeping the tail that tells dirs apart, then left out), then the first cause (down
 * to a bare `…`, then left out: the Health row and the panels still name them), and only then
 * the role takes its short form (the leader's host and epoch without its PID). The end of the
 * line is cut only when even that does not fit. Under SHORT_CLOCK_BELOW columns the clock leaves
 * out the date. Widths are counted in code points: the header's marks (│ ✖ ▲ …) are one cell each.
 */

export interface HeaderParts {
  /** The terminal's width. */
  columns: number;
  /** A game-day drill's scenario (the ` DRILL x ` banner), or null. */
  drill: string | null;
  /** Cells the incident badge takes (0 without one). */
  badgeWidth: number;
  host: string;
  dataDir: string;
  role: string;
  /** The role in fewer cells, saying the same to on-call (the leader's host and epoch); default: `role`. */
  shortRole?: string;
  /** The status word (`CRITICAL`) with its mark, as shown. */
  status: string;
  /** The probes that set the status (causeText), or '' for none. */
  causes: string;
  /** Cells of the clock at the end of the line. */
  clockWidth: number;
}

export interface HeaderFit {
  /** null: left out, with its separator. */
  dataDir: string | null;
  /** '' when left out. */
  causes: string;
  role: string;
}

const width = (s: string) => Array.from(s).length;

/** The header's own padding (one cell each side). */
const PADDING = 2;
/** The fewest cells of a shortened data dir worth showing (`…/cfa2`); fewer and it is left out. */
const MIN_DIR = 6;
/** Under this many columns the clock shows the time without the date (the role needs the room). */
export const SHORT_CLOCK_BELOW = 100;

/** The clock at the header's end: `2026-12-01 00:45:49 UTC`, or under SHORT_CLOCK_BELOW columns `00:45:49 UTC`. */
export function clockText(now: number, columns: number): string {
  const full = `${new Date(now).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
  return columns < SHORT_CLOCK_BELOW ? full.slice(11) : full;
}

/** The clock's cells at this width (the clock ticker rewrites exactly these). */
export function clockWidth(columns: number): number {
  return clockText(0, columns).length;
}

/** The cells of the line as `fit` would show it. */
export function headerWidth(p: HeaderParts, fit: HeaderFit = p): number {
  const drill = p.drill ? width(` DRILL ${p.drill} `) + 1 : 0;
  const badge = p.badgeWidth > 0 ? 3 + p.badgeWidth : 0;
  const left = drill + width('cfa-console') + badge + width(` │ ${p.host}${fit.dataDir === null ? '' : ` │ ${fit.dataDir}`} │ ${fit.role}`);
  // The right part's left margin, `health `, the status, the causes, ` │ ` and the clock.
  const right = 1 + width('health ') + width(p.status) + (fit.causes ? 1 + width(fit.causes) : 0) + 3 + p.clockWidth;
  return PADDING + left + right;
}

/** Keeps the first `room` cells of `s`, its last one an ellipsis when cut. */
function cutEnd(s: string, room: number): string {
  const chars = Array.from(s);
  return chars.length <= room ? s : `${chars.slice(0, Math.max(0, room - 1)).join('')}…`;
}

/** Keeps the last `room` cells of `s`, its first one an ellipsis when cut. */
function cutStart(s: string, room: number): string {
  const chars = Array.from(s);
  return chars.length <= room ? s : `…${chars.slice(chars.length - Math.max(0, room - 1)).join('')}`;
}

/**
 * The data dir, causes and role to show so that the line fits `columns`: each step gives up less
 * than the next, and the first that fits is taken. When none does (a very long host name), the
 * last one is shown and the line's end is cut.
 */
export function fitHeader(p: HeaderParts): HeaderFit {
  const full: HeaderFit = { dataDir: p.dataDir, causes: p.causes, role: p.role };
  const fits = (f: HeaderFit) => headerWidth(p, f) <= p.columns;
  const over = (f: HeaderFit) => headerWidth(p, f) - p.columns;
  if (fits(full)) return full;
  // The causes' tail (`freshness, size` → `freshness, s…`), down to the first cause with a `…`.
  const first = p.causes.split(/,| \+/)[0] ?? '';
  const least = first === p.causes ? width(first) : width(first) + 1;
  let fit: HeaderFit = { ...full, causes: cutEnd(p.causes, Math.max(least, width(p.causes) - over(full))) };
  if (fits(fit)) return fit;
  // The data dir from its start while a tail worth reading is left, then none.
  const dirRoom = width(p.dataDir) - over(fit);
  fit = { ...fit, dataDir: dirRoom >= MIN_DIR ? cutStart(p.dataDir, dirRoom) : null };
  if (fits(fit)) return fit;
  // The first cause too, down to a bare `…` (there is more on the Health row), then none.
  if (fit.causes) {
    const room = width(fit.causes) - over(fit);
    fit = { ...fit, causes: room >= 1 ? cutEnd(p.causes, room) : '' };
    if (fits(fit)) return fit;
  }
  return { ...fit, role: p.shortRole ?? p.role };
}
