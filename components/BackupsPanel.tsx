import { Text } from 'ink';
import ms from 'ms';
import React from 'react';
import type { BackupTierView, ReplicationView } from '../src/console/console-model.js';
import { Panel } from './Panel.js';
import { StatusText } from './StatusText.js';
import { stateStatus, useTheme } from './theme.js';

const DAY = 86_400_000;

/** Age and size per tier; a tier without a verified backup says so, it is never shown as fine. */
export function BackupsPanel({ backups, maxAgeMs = 26 * 3_600_000, replication = null, focused = false }: { backups: BackupTierView[] | null; maxAgeMs?: number; replication?: ReplicationView | null; focused?: boolean }): React.JSX.Element {
  const theme = useTheme();
  if (!backups) return <Panel title="Backups" flexGrow={1} focused={focused}><Text color={theme.muted}>? no backup catalog yet</Text></Panel>;
  const now = Date.now();
  return (
    <Panel title="Backups" flexGrow={1} focused={focused}>
      {backups.map((b) => {
        if (!b.configured) return <Text key={b.tier} wrap="truncate"><StatusText status={stateStatus('not-configured')} word={b.tier.padEnd(7)} /> not configured</Text>;
        if (b.newestAt === null) return <Text key={b.tier} wrap="truncate"><StatusText status="critical" word={b.tier.padEnd(7)} /> none yet</Text>;
        const age = now - b.newestAt;
        const status = age > maxAgeMs ? 'critical' : age > maxAgeMs / 2 ? 'warn' : 'ok';
        const size = b.sizeBytes === null ? '' : ` ${(b.sizeBytes / 2 ** 20).toFixed(0)}M`;
        return <Text key={b.tier} wrap="truncate"><StatusText status={status} word={b.tier.padEnd(7)} /> {ms(age)}{size}</Text>;
      })}
      {replication && <Text wrap="truncate"><StatusText status={stateStatus(replication.status)} word={'replica'.padEnd(7)} /> {replication.text}</Text>}
      {(() => {
        const drill = backups.map((b) => b.lastDrill).filter((d) => d !== null).sort((a, b) => b.at - a.at)[0];
        if (!drill) return <Text color={theme.muted} wrap="truncate">drill: never</Text>;
        return <Text wrap="truncate">drill: <StatusText status={stateStatus(drill.result)} word={drill.result} /> {ms(Math.max(0, now - drill.at))} ago{now - drill.at > 35 * DAY ? ' (overdue)' : ''}</Text>;
      })()}
    </Panel>
  );
}
