import { Box, Text } from 'ink';
import React from 'react';
import { footerFor, type Scope } from '../src/console/keymap.js';
import { useTheme } from './theme.js';

/** The keys that work here, from the one keymap. Notices have their own line (NoticeLine), never this one. */
export function Footer({ scope }: { scope: Scope }): React.JSX.Element {
  const theme = useTheme();
  return (
    <Box paddingX={1}>
      <Text wrap="truncate">
        {footerFor(scope).map((b, i) => (
          <Text key={b.keys}>{i ? '  ' : ''}<Text bold color={theme.accent}>{b.keys}</Text> {b.label}</Text>
        ))}
      </Text>
    </Box>
  );
}

/** The last action's outcome ("✔ sync success (run 5)"), on a line of its own above the key hints. */
export function NoticeLine({ notice }: { notice: string }): React.JSX.Element {
  const theme = useTheme();
  return (
    <Box paddingX={1} flexShrink={0}>
      <Text wrap="truncate" color={theme.accent}>{notice}</Text>
    </Box>
  );
}
