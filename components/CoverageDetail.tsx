import { Box, Text } from 'ink';
import React from 'react';
import { coverageRows, utcMinute, windowed } from '../src/console/details.js';
import type { HealthSnapshot } from '../src/health/types.js';
import { Panel } from './Panel.js';
import { StatusText } from './StatusText.js';
import { useTheme } from './theme.js';

/** Coverage per series: stored or missing, its newest candle, the gaps the last validation found. `height`: rows of the whole detail. */
export function CoverageDetail({ health, row, height }: { health: HealthSnapshot | null; row: number; height: number }): React.JSX.Element {
  const theme = useTheme();
  const rows = coverageRows(health);
  const missing = rows.filter((r) => !r.stored).length;
  const withGaps = rows.filter((r) => r.gaps > 0).length;
  // Borders and title 3, the interval line and the table's header 2.
  const { items, offset } = windowed(rows, row, Math.max(1, height - 5));
  return (
    <Panel title={`Coverage: every series (${rows.length}; ${missing} missing, ${withGaps} with gaps)`} focused flexGrow={1} right="Esc back">
      {!health ? <Text color={theme.muted}>? no health check yet</Text> : (
        <>
          <Box>
            {health.coverage.map((c) => (
              <Box key={c.interval} marginRight={2} flexShrink={0}><Text>{c.interval} </Text><StatusText status={c.status} word={`${c.present}/${c.configured}`} /></Box>
            ))}
            {health.knownGaps?.length ? <Text color={theme.muted} wrap="truncate">{health.knownGaps.length} known exchange gaps left out</Text> : null}
          </Box>
          <Text bold wrap="truncate">{'SYMBOL'.padEnd(12)}{'INT'.padEnd(5)}{'STORED'.padEnd(11)}{'NEWEST CANDLE'.padEnd(18)}{'GAPS'.padEnd(6)}MISSING CANDLES</Text>
          {items.map((r, i) => (
            <Text key={`${r.symbol}/${r.interval}`} inverse={offset + i === row} wrap="truncate">
              {r.symbol.padEnd(12)}{r.interval.padEnd(5)}<StatusText status={r.status} word={(r.stored ? (r.gaps ? 'gaps' : 'stored') : 'missing').padEnd(9)} />
              {(r.newestOpenTime === null ? '-' : utcMinute(r.newestOpenTime)).padEnd(18)}{String(r.gaps).padEnd(6)}{r.missingCandles}{r.knownGaps ? ` (+${r.knownGaps} known)` : ''}
            </Text>
          ))}
        </>
      )}
    </Panel>
  );
}
