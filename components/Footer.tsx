import { Box, Text } from 'ink';
import React from 'react';
import { footerFor, type Scope } from '../src/console/keymap.js';
import { useTheme } from './theme.js';

/** Where one is (`crumb`: `Backups › hot 2026-11-30 02:00`), then the keys that work here, from the one keymap. */
export function Footer({ scope, notice, crumb = null }: { scope: Scope; notice: string | null; crumb?: string | null }): React.JSX.Element {
  const theme = useTheme();
  return (
    <Box paddingX={1} justifyContent="space-between">
      <Text wrap="truncate">
        {crumb ? <Text><Text bold>{crumb}</Text><Text color={theme.muted}> │ </Text></Text> : null}
        <KeyHints keys={footerFor(scope)} />
      </Text>
      {notice ? <Text wrap="truncate" color={theme.muted}>{notice}</Text> : null}
    </Box>
  );
}

/** `? help  tab panel ...`: keys in the accent colour, each with its label. */
export function KeyHints({ keys }: { keys: readonly { keys: string; label: string }[] }): React.JSX.Element {
  const theme = useTheme();
  return (
    <>
      {keys.map((b, i) => (
        <Text key={`${b.keys}-${b.label}`}>{i ? '  ' : ''}<Text bold color={theme.accent}>{b.keys}</Text> {b.label}</Text>
      ))}
    </>
  );
}
