import { Box, Text } from 'ink';
import ms from 'ms';
import React from 'react';
import { alertSince, type AlertView } from '../src/console/console-model.js';
import { filterAlerts, filterTitle, noRowMatches } from '../src/console/list-filter.js';
import { windowStart } from '../src/console/list-nav.js';
import { Panel } from './Panel.js';
import { StatusText } from './StatusText.js';
import { STATUS_SYMBOL, stateStatus, useTheme } from './theme.js';

/** How long it has been pending or firing: `5m`; `-` when unknown. */
function sinceText(a: AlertView, now: number): string {
  const { at } = alertSince(a);
  return at === null ? '-' : ms(Math.max(1000, now - at));
}

/**
 * Pending and firing alerts, newest first: rule, state, since, summary on each row. `rows`: how
 * many fit; more scroll with the selection (the title says which). `starting`: the engine is not
 * up yet (the console's first frame comes before it). `filter` (`/`): only the alerts whose rule
 * or summary contains it; `selected` counts in what it keeps.
 */
export function AlertsPanel({ alerts, focused, selected, rows, starting = false, filter = '', filtering = false }: { alerts: AlertView[] | null; focused: boolean; selected: number; rows?: number; starting?: boolean; filter?: string; filtering?: boolean }): React.JSX.Element {
  const theme = useTheme();
  const all = openAlerts(alerts);
  const open = filterAlerts(all, filter);
  const now = Date.now();
  const height = rows ?? open.length;
  const first = windowStart(open.length, selected, height);
  const shown = open.slice(first, first + height);
  const where = open.length > shown.length ? `${first + 1}-${first + shown.length} of ${open.length} open` : `${open.length} open`;
  const title = filterTitle(filter, filtering);
  return (
    <Panel title="Alerts" focused={focused} flexGrow={1} right={title || (alerts ? where : undefined)}>
      {!alerts ? <Text color={theme.muted}>{starting ? '? starting…' : '? alerting not running'}</Text> : null}
      {alerts && all.length === 0 ? <Text><StatusText status="ok" word="no alerts firing" /></Text> : null}
      {alerts && all.length > 0 && open.length === 0
        ? <Text color={theme.warn} wrap="truncate">{STATUS_SYMBOL.unknown} {noRowMatches('alert', filter)} ({all.length} open; / then Esc clears)</Text> : null}
      {shown.map((a, j) => (
        <Box key={a.id}>
          <Text inverse={focused && first + j === selected} wrap="truncate">
            {focused && first + j === selected ? '›' : ' '}
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
