import { Box, Text } from 'ink';
import React from 'react';
import type { HealthSnapshot } from '../src/health/types.js';
import { severityOf } from '../src/status/vocabulary.js';
import { Panel } from './Panel.js';
import { StatusText } from './StatusText.js';
import { useTheme } from './theme.js';

/** x/60 per interval, the missing symbols named, and the gaps the last validation found. */
export function CoveragePanel({ health, focused = false }: { health: HealthSnapshot | null; focused?: boolean }): React.JSX.Element {
  const theme = useTheme();
  const continuity = health?.probes.find((p) => p.id === 'continuity');
  return (
    <Panel title="Coverage" flexGrow={1} focused={focused}>
      {!health ? <Text color={theme.muted}>? no health check yet</Text> : null}
      {health?.coverage.map((c) => (
        <Box key={c.interval}>
          <Box flexShrink={0}><Text>{c.interval.padEnd(4)}</Text><StatusText status={c.status} word={`${c.present}/${c.configured}`} /></Box>
          <Text color={theme.muted} wrap="truncate">{c.missing.length ? ` missing ${c.missing.join(',')}` : ''}</Text>
        </Box>
      ))}
      {continuity ? <Text wrap="truncate"><StatusText status={severityOf(continuity.status)} word="gaps" /> {continuity.detail}</Text> : null}
    </Panel>
  );
}
