import { Box, Text } from 'ink';
import React from 'react';
import type { Confirm } from '../src/console/view-state.js';
import { useTheme } from './theme.js';

export function ConfirmBar({ confirm }: { confirm: Confirm }): React.JSX.Element {
  const theme = useTheme();
  const question = confirm.kind === 'run'
    ? `Run ${confirm.job} now? It goes through the job's lock and is recorded as a manual run.`
    : `${confirm.running.join(', ')} started here ${confirm.running.length > 1 ? 'are' : 'is'} still running and will be stopped. Quit?`;
  return (
    <Box borderStyle="round" borderColor={theme.warn} paddingX={1}>
      <Text wrap="truncate">▲ {question} <Text bold>[y/n]</Text></Text>
    </Box>
  );
}
