import { Box, Text } from 'ink';
import React from 'react';
import { footerFor } from '../src/console/keymap.js';
import { KeyHints } from './Footer.js';

/** The `:` prompt in the footer's place: the text typed, why the last command was refused, and its keys. */
export function CommandLine({ text, error }: { text: string; error: string | null }): React.JSX.Element {
  return (
    <Box paddingX={1} justifyContent="space-between">
      <Box flexShrink={0}><Text bold>:{text}▏</Text></Box>
      {error ? <Box marginLeft={1} flexShrink={1}><Text wrap="truncate">✖ {error}</Text></Box> : null}
      <Box marginLeft={1} flexShrink={0}>
        <Text><KeyHints keys={footerFor('command')} /></Text>
      </Box>
    </Box>
  );
}
