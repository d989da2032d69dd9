import { Box, Text } from 'ink';
import ms from 'ms';
import React from 'react';
import { intervalMs, type Interval } from '../src/exchange/intervals.js';
import type { HealthSnapshot, SeriesFreshness } from '../src/health/types.js';
import { rankWorstSeries } from '../src/health/worst-series.js';
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

/** Symbols across, intervals down: one cell per series, its status as a symbol and a colour. */
export function FreshnessPanel({ health, intervals, filter, filtering, focused, width, criticalMs, note, worstLine = true }: Props): React.JSX.Element {
  const theme = useTheme();
  const series = (health?.freshness ?? []).filter((s) => !filter || s.symbol.includes(filter));
  const symbols = [...new Set(series.map((s) => s.symbol))];
  const columns = Math.max(1, width - 9);
  const shown = symbols.slice(0, columns);
  const byKey = new Map(series.map((s) => [`${s.symbol}/${s.interval}`, s]));
  const worst = worstSeries(series, 3, criticalMs);
  const counts = { ok: 0, warn: 0, critical: 0, unknown: 0 };
  for (const s of series) counts[s.status]++;
  const filterText = filtering ? `filter: ${filter}▏` : filter ? `filter: ${filter}` : '';
  return (
    <Panel title="Freshness" focused={focused} flexGrow={1} right={filterText || note || `${STATUS_SYMBOL.ok}${counts.ok} ${STATUS_SYMBOL.warn}${counts.warn} ${STATUS_SYMBOL.critical}${counts.critical} ${STATUS_SYMBOL.unknown}${counts.unknown}`}>
      {!health ? <Text color={theme.muted}>? waiting for the first health check…</Text> : null}
      {health ? intervals.map((interval) => (
        <Box key={interval}>
          <Box flexShrink={0}><Text>{interval.padEnd(4)}</Text></Box>
          <Text wrap="truncate">
            {shown.map((symbol) => {
              const s = byKey.get(`${symbol}/${interval}`);
              const status = s?.status ?? 'unknown';
              return <Text key={symbol} color={statusColour(theme, status)}>{CELL_SYMBOL[status]}</Text>;
            })}
          </Text>
          {symbols.length > shown.length ? <Text color={theme.muted}> +{symbols.length - shown.length}</Text> : null}
        </Box>
      )) : null}
      {health && worstLine ? (
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
