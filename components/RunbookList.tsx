import { Box, Text } from 'ink';
import React from 'react';
import type { IncidentBadge, RunbookEntry } from '../src/console/wizard.js';
import { Panel } from './Panel.js';
import { useTheme } from './theme.js';

/** Every runbook, to start one by hand (R): id, whether the leader runs it itself, what opens it. */
export function RunbookList({ runbooks, incidents, selected, height }: { runbooks: RunbookEntry[]; incidents: IncidentBadge[]; selected: number; height: number }): React.JSX.Element {
  const theme = useTheme();
  const rows = Math.max(1, height - 3);
  const from = Math.max(0, Math.min(selected - rows + 1, runbooks.length - rows));
  return (
    <Panel title="Runbooks (Enter starts one; an open incident is resumed)" focused flexGrow={1} right={`${runbooks.length} runbooks`}>
      {runbooks.length === 0 ? <Text color={theme.muted}>? no runbooks loaded</Text> : null}
      {runbooks.slice(Math.max(0, from), Math.max(0, from) + rows).map((r, i) => {
        const index = Math.max(0, from) + i;
        const open = incidents.find((x) => x.runbook === r.id);
        return (
          <Box key={r.id}>
            <Text inverse={index === selected} wrap="truncate">
              {index === selected ? '›' : ' '}{r.id.padEnd(18)} {(r.automatic ? 'auto' : 'manual').padEnd(6)} {r.title}
              <Text color={theme.muted}>{open ? `  ▲ incident #${open.id} open${open.host ? ` on ${open.host}` : ''}` : ''}{r.opensOn.length ? `  (alerts: ${r.opensOn.join(', ')})` : ''}</Text>
            </Text>
          </Box>
        );
      })}
    </Panel>
  );
}
