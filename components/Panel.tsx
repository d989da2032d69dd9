import { Box, Text } from 'ink';
import React from 'react';
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

/** A bordered panel; the focused one is marked by a pointer and a double border, not by colour alone. */
export function Panel({ title, focused = false, width, height, flexGrow, right, children }: Props): React.JSX.Element {
  const theme = useTheme();
  return (
    <Box flexDirection="column" borderStyle={focused ? 'double' : 'single'} borderColor={focused ? theme.focusBorder : theme.muted}
      width={width} height={height} flexGrow={flexGrow} paddingX={1} overflow="hidden">
      <Box justifyContent="space-between">
        <Text bold wrap="truncate">{focused ? '▶ ' : ''}{title}</Text>
        {right ? <Text color={theme.muted} wrap="truncate">{right}</Text> : null}
      </Box>
      {children}
    </Box>
  );
}
