import { describe, expect, it } from 'vitest';
import { columnsGrid, consoleLayout, heatmapLayout } from '../../src/console/layout.js';

const SIZES = [[80, 24], [100, 30], [120, 36], [140, 45], [200, 60]] as const;

describe('the console layout', () => {
  it('every band fits the terminal at every size, with or without a notice and the Health row', () => {
    for (const [, rows] of SIZES) {
      for (const notice of [false, true]) for (const healthProblem of [false, true]) {
        const l = consoleLayout({ rows, jobs: 8, notice, healthProblem });
        const bottomChrome = l.compact ? 2 : 3;
        const used = 1 + (l.healthRow ? 1 : 0) + l.freshness + l.middle + l.bottomRows + bottomChrome + (l.noticeRow ? 1 : 0) + 1;
        expect(used, `${rows} rows, notice ${notice}, health ${healthProblem}`).toBeLessThanOrEqual(l.height);
        // Eight jobs always fit: in one column, or in two columns of four rows.
        expect(l.bottomRows, `${rows} rows`).toBeGreaterThanOrEqual(4);
      }
    }
  });

  it('a notice takes a line of its own: a row less for the bottom panels, never the footer', () => {
    const without = consoleLayout({ rows: 36, jobs: 8, notice: false, healthProblem: true });
    const withNotice = consoleLayout({ rows: 36, jobs: 8, notice: true, healthProblem: true });
    expect(withNotice.noticeRow).toBe(true);
    expect(withNotice.bottomRows).toBe(without.bottomRows - 1);
  });

  it('at 140x45 and taller the jobs are as tall as their list and the log takes the rows left, across the width', () => {
    const l = consoleLayout({ rows: 45, jobs: 8, notice: false, healthProblem: true });
    expect(l.bottom).toEqual({ kind: 'stacked', topRows: 8, logRows: expect.any(Number) });
    if (l.bottom.kind !== 'stacked') throw new Error('not stacked');
    // No empty rows under the jobs: every row the bottom band has goes to a panel that uses it.
    expect(l.bottom.topRows + 3 + l.bottom.logRows).toBe(l.bottomRows);
    expect(l.bottom.logRows).toBeGreaterThanOrEqual(10);
    expect(consoleLayout({ rows: 60, jobs: 8, notice: false, healthProblem: false }).bottom.kind).toBe('stacked');
  });

  it('up to 120x36 the bottom panels stay side by side', () => {
    for (const rows of [24, 30, 36]) expect(consoleLayout({ rows, jobs: 8, notice: false, healthProblem: true }).bottom.kind).toBe('row');
  });
});

describe('the heatmap\'s cells', () => {
  const symbols = (n: number) => Array.from({ length: n }, (_, i) => `S${String(i).padStart(2, '0')}USDT`);

  it('one column a symbol when the panel is narrow, the rest counted', () => {
    expect(heatmapLayout(symbols(60), 71)).toEqual({ cellWidth: 1, labels: false, shown: 60 });
    expect(heatmapLayout(symbols(100), 71)).toEqual({ cellWidth: 1, labels: false, shown: 71 });
  });

  it('wider cells when the panel is wide: 60 symbols at 140 columns take the width', () => {
    const l = heatmapLayout(symbols(60), 140 - 4 - 9);
    expect(l).toEqual({ cellWidth: 2, labels: false, shown: 60 });
    expect(heatmapLayout(symbols(30), 127)).toEqual({ cellWidth: 3, labels: false, shown: 30 });
  });

  it('labelled with the symbols\' names when few remain (a filter)', () => {
    expect(heatmapLayout(['BTCUSDT'], 67)).toEqual({ cellWidth: 10, labels: true, shown: 1 });
    expect(heatmapLayout(['BTCUSDT', 'ETHUSDT', 'SOLUSDT'], 67).labels).toBe(true);
    expect(heatmapLayout(symbols(7), 67).labels).toBe(false);
    expect(heatmapLayout([], 67).shown).toBe(0);
  });
});

describe('columns of names', () => {
  it('one column when they fit, else column by column in as few lines as needed', () => {
    expect(columnsGrid(3, 5)).toEqual([[0], [1], [2]]);
    expect(columnsGrid(8, 5)).toEqual([[0, 4], [1, 5], [2, 6], [3, 7]]);
    expect(columnsGrid(8, 3)).toEqual([[0, 3, 6], [1, 4, 7], [2, 5]]);
    expect(columnsGrid(8, 1)).toEqual([[0, 1, 2, 3, 4, 5, 6, 7]]);
  });
});
