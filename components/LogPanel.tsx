import { Text } from 'ink';
import React from 'react';
import type { LogView } from '../src/console/console-model.js';
import { Panel } from './Panel.js';
import { useTheme } from './theme.js';

/** The live tail of the selected job run, or of the engine's own log. */
export function LogPanel({ log, focused, rows }: { log: LogView; focused: boolean; rows: number }): React.JSX.Element {
  const theme = useTheme();
  const lines = log.lines.slice(-Math.max(1, rows));
  return (
    <Panel title={`Log: ${log.title}`} focused={focused} flexGrow={1}>
      {lines.length === 0 ? <Text color={theme.muted}>· nothing logged yet</Text> : null}
      {lines.map((line, i) => <Text key={i} wrap="truncate">{line}</Text>)}
    </Panel>
  );
}
