import { Box, Text } from 'ink';
import React from 'react';
import { bindingsFor, type Scope } from '../src/console/keymap.js';
import { Panel } from './Panel.js';
import { CELL_SYMBOL, STATUS_SYMBOL, useTheme } from './theme.js';

/** The keys of the view the help was opened over, with what they do: from the same keymap as the footer. */
export function HelpOverlay({ scope }: { scope: Scope }): React.JSX.Element {
  const theme = useTheme();
  return (
    <Panel title="Keys (? or Esc to close)" focused flexGrow={1}>
      {bindingsFor(scope).map((b) => (
        <Box key={`${b.action}-${b.keys.join()}`}>
          {/* The keys keep their column; a long text is cut, never wrapped under them. */}
          <Box width={22} flexShrink={0}><Text bold color={theme.accent}>{b.label ?? b.keys.join(' / ')}</Text></Box>
          <Text wrap="truncate">{b.help}</Text>
        </Box>
      ))}
      <Text color={theme.muted}>
        Statuses: {STATUS_SYMBOL.ok} ok  {STATUS_SYMBOL.warn} warning  {STATUS_SYMBOL.critical} critical  {STATUS_SYMBOL.unknown} unknown  {STATUS_SYMBOL.neutral} none; heatmap cells: {CELL_SYMBOL.ok} ok {CELL_SYMBOL.warn} {CELL_SYMBOL.critical} {CELL_SYMBOL.unknown}
      </Text>
    </Panel>
  );
}
