/**
 * The dashboard's layout as plain arithmetic over the terminal's height, so every size can be
 * checked without a terminal: which bands get how many rows, and how the bottom band is arranged.
 */

export interface LayoutInput {
  rows: number;
  /** Jobs the Jobs panel lists. */
  jobs: number;
  /** A probe shown only on the Health row is not ok: the row must show (the header names it). */
  healthProblem: boolean;
  /** A notice is shown: it takes a line of its own above the footer. */
  notice: boolean;
}

export interface Layout {
  /** One row shorter than the terminal: Ink clears the whole screen once output reaches its height. */
  height: number;
  /** Under 30 rows: panels drop their bottom borders and the heatmap its worst-series line. */
  compact: boolean;
  healthRow: boolean;
  noticeRow: boolean;
  /** Fixed band heights, in rows including borders. */
  freshness: number;
  middle: number;
  /** Rows of content the bottom panels have (Jobs, Alerts and Log side by side). */
  bottomRows: number;
  /**
   * 'row': Jobs, Alerts and Log side by side. 'stacked' (a tall terminal): Jobs, as tall as its
   * list, beside the Alerts, and the Log across the whole width under them, so no rows are left
   * empty under the jobs and log and alert text gets the width.
   */
  bottom: { kind: 'row' } | { kind: 'stacked'; topRows: number; logRows: number };
}

/** Rows a bordered panel spends on its borders and title. */
const PANEL_CHROME = 3;
/** The fewest log lines worth stacking the log under the jobs for. */
const MIN_STACKED_LOG = 6;

export function consoleLayout({ rows, jobs, healthProblem, notice }: LayoutInput): Layout {
  const height = rows - 1;
  const compact = rows < 30;
  const freshness = compact ? 6 : 8;
  const middle = compact ? 7 : 8;
  // Header and footer, and the bottom panels' chrome (no bottom border when compact).
  const noticeRow = notice;
  const available = Math.max(1, height - 2 - freshness - middle - (compact ? 2 : 3) - (noticeRow ? 1 : 0));
  // The Health row takes a row from the jobs when they can spare it (or sit in two columns
  // anyway), and always when a probe on it is not ok: then the header's cause is on screen.
  const healthRow = available - 1 >= jobs || (available < jobs && Math.ceil(jobs / 2) <= available - 1) || healthProblem;
  const bottomRows = Math.max(1, available - (healthRow ? 1 : 0));
  const topRows = Math.max(1, jobs);
  const logRows = bottomRows - topRows - PANEL_CHROME;
  const bottom: Layout['bottom'] = !compact && logRows >= MIN_STACKED_LOG ? { kind: 'stacked', topRows, logRows } : { kind: 'row' };
  return { height, compact, healthRow, noticeRow, freshness, middle, bottomRows, bottom };
}

/** How the heatmap spends its width: one cell per symbol, wider cells when there is room, labelled when few. */
export interface HeatmapLayout {
  /** Columns per cell. */
  cellWidth: number;
  /** Each cell carries its symbol's name (`✔ BTCUSDT`). */
  labels: boolean;
  /** How many symbols fit; the rest are counted (`+12`). */
  shown: number;
}

/** The widest a bare cell grows: beyond that wide cells read as gaps, not as series. */
const MAX_BARE_CELL = 3;

/** `width`: the columns the cells may take (the panel's inner width less the interval label and the `+N` note). */
export function heatmapLayout(symbols: readonly string[], width: number): HeatmapLayout {
  const n = symbols.length;
  const avail = Math.max(1, width);
  if (n === 0) return { cellWidth: 1, labels: false, shown: 0 };
  // Mark, space, name and a gap before the next cell.
  const labelled = Math.max(...symbols.map((s) => s.length)) + 3;
  if (n * labelled <= avail) return { cellWidth: labelled, labels: true, shown: n };
  const cellWidth = Math.max(1, Math.min(MAX_BARE_CELL, Math.floor(avail / n)));
  return { cellWidth, labels: false, shown: Math.min(n, Math.floor(avail / cellWidth)) };
}

/**
 * Items in `rows` lines, filled column by column (as `ls` does): each line lists the items'
 * indexes left to right. One column when they fit; never more lines than `rows`.
 */
export function columnsGrid(count: number, rows: number): number[][] {
  const perColumn = Math.max(1, Math.min(count, rows));
  const columns = Math.ceil(count / perColumn);
  // As few lines as the columns need: 8 jobs in 5 rows take 4 lines of two.
  const lines = Math.ceil(count / columns);
  return Array.from({ length: lines }, (_, line) =>
    Array.from({ length: columns }, (_, c) => c * lines + line).filter((i) => i < count));
}
