import { Box, Text } from 'ink';
import React from 'react';
import { footerFor, type Scope } from '../src/console/keymap.js';
import { useTheme } from './theme.js';

/** The keys that work here, from the one keymap. */
export function Footer({ scope, notice }: { scope: Scope; notice: string | null }): React.JSX.Element {
  const theme = useTheme();
  return (
    <Box paddingX={1} justifyContent="space-between">
      <Text wrap="truncate">
        {footerFor(scope).map((b, i) => (
          <Text key={b.keys}>{i ? '  ' : ''}<Text bold color={theme.accent}>{b.keys}</Text> {b.label}</Text>
        ))}
      </Text>
      {notice ? <Text wrap="truncate" color={theme.muted}>{notice}</Text> : null}
    </Box>
  );
}
