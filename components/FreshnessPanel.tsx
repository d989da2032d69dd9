import { Box, Text } from 'ink';
import ms from 'ms';
import React from 'react';
import { intervalMs, type Interval } from '../src/exchange/intervals.js';
import type { HealthSnapshot, SeriesFreshness } from '../src/health/types.js';
import { rankWorstSeries } from '../src/health/worst-series.js';
import { heatmapLayout } from '../src/console/layout.js';
import { filterTitle } from '../src/console/list-filter.js';
import { Panel } from './Panel.js';
import { CELL_SYMBOL, STATUS_SYMBOL, statusColour, useTheme } from './theme.js';

export function ageText(ageMs: number | null): string {
  return ageMs === null ? 'no data' : ms(Math.max(0, ageMs));
}

/** An interval with no limit given ranks by its age in candles (six make it stale, as in the probe). */
const FALLBACK_STALE_CANDLES = 6;

/** Every series, the worst first, ranked as the freshness probe ranks them. */
export function rankedSeries(series: readonly SeriesFreshness[], criticalMs: Partial<Record<Interval, number>> = {}): SeriesFreshness[] {
  return rankWorstSeries(series, (interval) => criticalMs[interval] ?? FALLBACK_STALE_CANDLES * intervalMs(interval));
}

/** The series not ok, the worst first: what on-call should look at. */
export function worstSeries(series: readonly SeriesFreshness[], count: number, criticalMs: Partial<Record<Interval, number>> = {}): SeriesFreshness[] {
  return rankedSeries(series.filter((s) => s.status !== 'ok'), criticalMs).slice(0, count);
}

interface Props {
  health: HealthSnapshot | null;
  intervals: readonly Interval[];
  filter: string;
  filtering: boolean;
  focused: boolean;
  width: number;
  /** Freshness limit per interval, so the worst series rank as in the probe. */
  criticalMs?: Partial<Record<Interval, number>>;
  /** Shown in the title, instead of the counts, when the health is not fresh from a leader (its age, who computed it). */
  note?: string | null;
  /** The line naming the worst series (default on); the layout leaves it out on a short terminal. */
  worstLine?: boolean;
}

/** Columns of a heatmap row that are not cells: the interval's label, and room for the `+N` of symbols that do not fit. */
const ROW_LABEL = 4;
const MORE_NOTE = 5;

/** What a filter that matches no symbol says, instead of empty rows. */
export function noMatchText(filter: string): string {
  return `no symbol matches '${filter}'`;
}

/**
 * Symbols across, intervals down: one cell per series, its status as a symbol and a colour. The
 * cells widen to fill the panel, and carry the symbol's name when few are left (a filter).
 */
export function FreshnessPanel({ health, intervals, filter, filtering, focused, width, criticalMs, note, worstLine = true }: Props): React.JSX.Element {
  const theme = useTheme();
  const series = (health?.freshness ?? []).filter((s) => !filter || s.symbol.includes(filter));
  const symbols = [...new Set(series.map((s) => s.symbol))];
  const cells = heatmapLayout(symbols, width - ROW_LABEL - MORE_NOTE);
  const shown = symbols.slice(0, cells.shown);
  const byKey = new Map(series.map((s) => [`${s.symbol}/${s.interval}`, s]));
  const worst = worstSeries(series, 3, criticalMs);
  const counts = { ok: 0, warn: 0, critical: 0, unknown: 0 };
  for (const s of series) counts[s.status]++;
  const filterText = filterTitle(filter, filtering);
  const noMatch = health !== null && filter !== '' && symbols.length === 0;
  const cell = (symbol: string, status: keyof typeof CELL_SYMBOL) => (cells.labels ? `${CELL_SYMBOL[status]} ${symbol}` : CELL_SYMBOL[status]).padEnd(cells.cellWidth);
  return (
    <Panel title="Freshness" focused={focused} flexGrow={1} right={filterText || note || `${STATUS_SYMBOL.ok}${counts.ok} ${STATUS_SYMBOL.warn}${counts.warn} ${STATUS_SYMBOL.critical}${counts.critical} ${STATUS_SYMBOL.unknown}${counts.unknown}`}>
      {!health ? <Text color={theme.muted}>? waiting for the first health check…</Text> : null}
      {noMatch ? <Text color={theme.warn}>{STATUS_SYMBOL.unknown} {noMatchText(filter)} (/ then Esc clears the filter)</Text> : null}
      {health && !noMatch ? intervals.map((interval) => (
        <Box key={interval}>
          <Box flexShrink={0}><Text>{interval.padEnd(ROW_LABEL)}</Text></Box>
          <Text wrap="truncate">
            {shown.map((symbol) => {
              const status = byKey.get(`${symbol}/${interval}`)?.status ?? 'unknown';
              return <Text key={symbol} color={statusColour(theme, status)}>{cell(symbol, status)}</Text>;
            })}
          </Text>
          {symbols.length > shown.length ? <Text color={theme.muted}> +{symbols.length - shown.length}</Text> : null}
        </Box>
      )) : null}
      {health && worstLine && !noMatch ? (
        <Text wrap="truncate">
          {worst.length === 0
            ? <Text color={theme.ok}>{STATUS_SYMBOL.ok} every series within its threshold</Text>
            : <>worst: {worst.map((s, i) => (
                <Text key={`${s.symbol}/${s.interval}`} color={statusColour(theme, s.status)}>{i ? ', ' : ''}{STATUS_SYMBOL[s.status]} {s.symbol} {s.interval} {ageText(s.ageMs)}</Text>
              ))}</>}
        </Text>
      ) : null}
    </Panel>
  );
}
