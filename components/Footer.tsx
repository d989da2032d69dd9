import { Box, Text } from 'ink';
import React from 'react';
import { footerFor, type Scope } from '../src/console/keymap.js';
import { useTheme } from './theme.js';

/**
 * Where one is (`crumb`: `Backups › hot 2026-11-30 02:00`), then the keys that work here, from the
 * one keymap. Notices have their own line (NoticeLine), never this one.
 */
export function Footer({ scope, crumb = null }: { scope: Scope; crumb?: string | null }): React.JSX.Element {
  const theme = useTheme();
  return (
    <Box paddingX={1}>
      <Text wrap="truncate">
        {crumb ? <Text><Text bold>{crumb}</Text><Text color={theme.muted}> │ </Text></Text> : null}
        <KeyHints keys={footerFor(scope)} />
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
