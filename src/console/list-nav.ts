/**
 * Moving the selection in a list (jobs, runs, alerts, every series): the same keys as the log
 * view, j/k, PgUp/PgDn, g/G and Home/End, as one pure function.
 */
export type ListMove = 'up' | 'down' | 'page-up' | 'page-down' | 'top' | 'bottom';

/** The row selected after `move` in a list of `count` rows that shows `page` of them at once. */
export function moveRow(row: number, move: ListMove, count: number, page: number): number {
  if (count <= 0) return 0;
  const last = count - 1;
  const step = Math.max(1, page - 1);
  const next = { up: row - 1, down: row + 1, 'page-up': row - step, 'page-down': row + step, top: 0, bottom: last }[move];
  return Math.max(0, Math.min(last, next));
}

/** The first row a window of `height` rows shows so the selected `row` of `count` stays on screen, near its middle. */
export function windowStart(count: number, row: number, height: number): number {
  return Math.max(0, Math.min(row - Math.floor(height / 2), count - height));
}
