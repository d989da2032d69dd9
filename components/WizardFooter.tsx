import { Box, Text } from 'ink';
import React from 'react';
import { wizardFooter, wizardHelp, type WizardScope } from '../src/console/wizard-keys.js';
import { KeyHints } from './Footer.js';
import { Panel } from './Panel.js';
import { useTheme } from './theme.js';

/** The keys of the runbook screens that work now, from the one declaration. */
export function WizardFooter({ scope, skippable }: { scope: WizardScope; skippable?: boolean }): React.JSX.Element {
  const theme = useTheme();
  return (
    <Box paddingX={1}>
      <Text wrap="truncate">
        <KeyHints keys={wizardFooter(scope, { skippable })} />
      </Text>
    </Box>
  );
}

/** `?` in the runbook screens: every key with what it does, from the same declaration as the footer. */
export function WizardHelp(): React.JSX.Element {
  const theme = useTheme();
  return (
    <Panel title="Runbook keys (? or Esc to close)" focused flexGrow={1}>
      {wizardHelp().map((b) => (
        <Box key={`${b.keys}-${b.help}`}>
          <Text bold color={theme.accent}>{b.keys.padEnd(12)}</Text>
          <Text wrap="truncate">{b.help}</Text>
        </Box>
      ))}
    </Panel>
  );
}
