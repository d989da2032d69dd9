import { Box, Text } from 'ink';
import ms from 'ms';
import React from 'react';
import { alertSince, type AlertView } from '../src/console/console-model.js';
import { Panel } from './Panel.js';
import { StatusText } from './StatusText.js';
import { stateStatus, useTheme } from './theme.js';

/** How long it has been pending or firing: `5m`; `-` when unknown. */
function sinceText(a: AlertView, now: number): string {
  const { at } = alertSince(a);
  return at === null ? '-' : ms(Math.max(1000, now - at));
}

/** Pending and firing alerts, newest first: rule, state, since, summary on each row. */
export function AlertsPanel({ alerts, focused, selected, starting = false }: { alerts: AlertView[] | null; focused: boolean; selected: number; starting?: boolean }): React.JSX.Element {
  const theme = useTheme();
  const open = openAlerts(alerts);
  const now = Date.now();
  return (
    <Panel title="Alerts" focused={focused} flexGrow={1} right={alerts ? `${open.length} open` : undefined}>
      {/* `starting`: the engine is not up yet (the console's first frame comes before it). */}
      {!alerts ? <Text color={theme.muted}>{starting ? '? starting…' : '? alerting not running'}</Text> : null}
      {alerts && open.length === 0 ? <Text><StatusText status="ok" word="no alerts firing" /></Text> : null}
      {open.map((a, i) => (
        <Box key={a.id}>
          <Text inverse={focused && i === selected} wrap="truncate">
            {focused && i === selected ? '›' : ' '}
            <StatusText status={stateStatus(a.severity)} word={a.rule} /> {a.state}{a.acked ? ',acked' : ''} {sinceText(a, now)} {a.summary}
          </Text>
        </Box>
      ))}
    </Panel>
  );
}

export function openAlerts(alerts: AlertView[] | null): AlertView[] {
  return (alerts ?? []).filter((a) => a.state !== 'resolved').sort((a, b) => (alertSince(b).at ?? 0) - (alertSince(a).at ?? 0));
}
