import { Box, Text } from 'ink';
import React, { createContext, useContext } from 'react';
import { useTheme } from './theme.js';

interface Props {
  title: string;
  focused?: boolean;
  width?: number | string;
  height?: number;
  flexGrow?: number;
  right?: string;
  children: React.ReactNode;
}

/**
 * Set by the layout when the terminal is short (under 30 rows): panels leave out their bottom
 * border, the next row's top border closes them, and a row of content is won per band.
 */
export const CompactContext = createContext(false);

/** A bordered panel; the focused one is marked by a pointer and a double border, not by colour alone. */
export function Panel({ title, focused = false, width, height, flexGrow, right, children }: Props): React.JSX.Element {
  const theme = useTheme();
  const compact = useContext(CompactContext);
  return (
    <Box flexDirection="column" borderStyle={focused ? 'double' : 'single'} borderColor={focused ? theme.focusBorder : theme.muted}
      borderBottom={!compact} width={width} height={height} flexGrow={flexGrow} paddingX={1} overflow="hidden">
      <Box justifyContent="space-between" flexShrink={0}>
        {/* The title never yields its room: the right-hand note is cut first. */}
        <Box flexShrink={0}><Text bold>{focused ? '▶ ' : ''}{title}</Text></Box>
        {right ? <Box marginLeft={1} flexShrink={1}><Text color={theme.muted} wrap="truncate">{right}</Text></Box> : null}
      </Box>
      {children}
    </Box>
  );
}
