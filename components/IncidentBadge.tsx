import { Text } from 'ink';
import React from 'react';
import type { IncidentBadge as Badge } from '../src/console/wizard.js';
import { STATUS_SYMBOL, statusColour, useTheme } from './theme.js';

/** The header's badge: an incident in progress, who works it, or that it waits to be resumed. */
export function incidentBadgeText(incidents: readonly Badge[]): string | null {
  const first = incidents[0];
  if (!first) return null;
  // Short: at 80 columns the header has about 30 cells for it.
  // The leader's (another host): worked there, never resumed from here.
  const who = first.host ? ` (on ${first.host})` : first.mine ? '' : first.by ? ` (by ${first.by})` : ' (interrupted: R resumes)';
  const more = incidents.length > 1 ? ` +${incidents.length - 1}` : '';
  return `${STATUS_SYMBOL.warn} incident #${first.id} ${first.runbook}${more}${who}`;
}

export function IncidentBadge({ incidents }: { incidents: readonly Badge[] }): React.JSX.Element | null {
  const theme = useTheme();
  const text = incidentBadgeText(incidents);
  return text ? <Text bold color={statusColour(theme, 'warn')} wrap="truncate">{text}</Text> : null;
}
