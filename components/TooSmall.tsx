import { Box, Text } from 'ink';
import React from 'react';

export const MIN_COLUMNS = 80;
export const MIN_ROWS = 24;

/** Said plainly instead of drawing a garbled layout. */
export function TooSmall({ columns, rows }: { columns: number; rows: number }): React.JSX.Element {
  return (
    <Box flexDirection="column">
      <Text>▲ The terminal is {columns}x{rows}; cfa-console needs at least {MIN_COLUMNS}x{MIN_ROWS}.</Text>
      <Text>Enlarge the window, or use `cfa-console status` for a plain report. q quits.</Text>
    </Box>
  );
}
