import { Box, Text } from 'ink';
import React from 'react';
import type { HealthSnapshot } from '../src/health/types.js';
import { healthRowProbes } from '../src/console/health-summary.js';
import { severityOf } from '../src/status/vocabulary.js';
import { StatusText } from './StatusText.js';
import { useTheme } from './theme.js';

/**
 * One line under the header: every probe that no panel shows (size, integrity, disk, logs...),
 * the worst first with what it found, so whatever moves the header's status is on screen.
 */
export function HealthRow({ health }: { health: HealthSnapshot | null }): React.JSX.Element {
  const theme = useTheme();
  const probes = healthRowProbes(health);
  return (
    <Box paddingX={1} flexShrink={0}>
      <Text wrap="truncate">
        <Text bold>Health </Text>
        {probes.length === 0 ? <Text color={theme.muted}>? no health check yet</Text> : null}
        {probes.map((p, i) => (
          <Text key={p.id}>
            {i ? '  ' : ''}<StatusText status={severityOf(p.status)} word={p.id} />
            {p.status !== 'ok' && p.detail ? <Text color={theme.muted}> ({p.detail})</Text> : null}
          </Text>
        ))}
      </Text>
    </Box>
  );
}
