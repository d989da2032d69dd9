import { Box, Text } from 'ink';
import React from 'react';
import { helpLines, type KeyBinding, type Scope } from '../src/console/keymap.js';
import { Panel } from './Panel.js';
import { CELL_SYMBOL, STATUS_SYMBOL, useTheme } from './theme.js';

/** Rows the help needs besides its keys: the border, the title and the two lines of the legend. */
const CHROME_ROWS = 5;

/** One column of keys while they fit in `height` rows; two when they do not, so none is cut off. */
export function helpColumns(bindings: number, height: number | undefined): 1 | 2 {
  return height === undefined || bindings + CHROME_ROWS <= height ? 1 : 2;
}

function KeyRows({ bindings, keyWidth, compact }: { bindings: readonly KeyBinding[]; keyWidth: number; compact: boolean }): React.JSX.Element {
  const theme = useTheme();
  return (
    <>
      {bindings.map((b) => (
        <Box key={`${b.action}-${b.keys.join()}`}>
          {/* The keys keep their column; a long text is cut, never wrapped under them. */}
          <Box width={keyWidth} flexShrink={0}>
            <Text bold color={theme.accent} wrap="truncate">{b.label ?? (compact ? b.keys.slice(0, 2).join(' ') : b.keys.join(' / '))}</Text>
          </Box>
          <Text wrap="truncate">{b.help}</Text>
        </Box>
      ))}
    </>
  );
}

/**
 * The keys of the view the help was opened over, with what they do: from the same keymap as the
 * footer. `height`: the rows it has; when its keys do not fit them they go in two columns.
 */
export function HelpOverlay({ scope, height }: { scope: Scope; height?: number }): React.JSX.Element {
  const theme = useTheme();
  const bindings = helpLines(scope);
  const half = Math.ceil(bindings.length / 2);
  return (
    <Panel title="Keys (? or Esc to close)" focused flexGrow={1}>
      {helpColumns(bindings.length, height) === 1 ? <KeyRows bindings={bindings} keyWidth={22} compact={false} /> : (
        <Box>
          <Box flexDirection="column" width="50%" paddingRight={1}><KeyRows bindings={bindings.slice(0, half)} keyWidth={13} compact /></Box>
          <Box flexDirection="column" width="50%"><KeyRows bindings={bindings.slice(half)} keyWidth={13} compact /></Box>
        </Box>
      )}
      <Text color={theme.muted}>
        Statuses: {STATUS_SYMBOL.ok} ok  {STATUS_SYMBOL.warn} warning  {STATUS_SYMBOL.critical} critical  {STATUS_SYMBOL.unknown} unknown  {STATUS_SYMBOL.neutral} none; heatmap cells: {CELL_SYMBOL.ok} ok {CELL_SYMBOL.warn} {CELL_SYMBOL.critical} {CELL_SYMBOL.unknown}
      </Text>
    </Panel>
  );
}
