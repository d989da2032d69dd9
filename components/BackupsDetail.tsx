import { Box, Text } from 'ink';
import ms from 'ms';
import React from 'react';
import type { BackupEntry } from '../src/backup/catalog.js';
import { sizeText, utcMinute, verificationOf, windowed } from '../src/console/details.js';
import { Panel } from './Panel.js';
import { StatusText } from './StatusText.js';
import { useTheme } from './theme.js';

const ago = (at: number, now: number) => ms(Math.max(0, now - at));

/** Every backup in the catalog, newest first, with its tier, age, size and verification; the selected one in full below. */
export function BackupsDetail({ backups, row, height }: { backups: readonly BackupEntry[]; row: number; height: number }): React.JSX.Element {
  const theme = useTheme();
  const now = Date.now();
  const selected = backups[row] ?? null;
  // Borders and title 3, the table's header, and five lines on the selected copy.
  const { items, offset } = windowed(backups, row, Math.max(1, height - 9));
  return (
    <Panel title={`Backups: every copy (${backups.length})`} focused flexGrow={1} right="Esc back">
      <Text bold wrap="truncate">{'TIER'.padEnd(9)}{'TAKEN (UTC)'.padEnd(18)}{'AGE'.padEnd(7)}{'SIZE'.padEnd(7)}VERIFICATION</Text>
      {backups.length === 0 ? <Text color={theme.muted} wrap="truncate">· no backup in the catalog yet (r on the backup job makes one)</Text> : null}
      {items.map((b, i) => {
        const v = verificationOf(b);
        return (
          <Text key={b.id} inverse={offset + i === row} wrap="truncate">
            {b.tier.padEnd(9)}{utcMinute(b.createdAt).padEnd(18)}{ago(b.createdAt, now).padEnd(7)}{sizeText(b.sizeBytes).padEnd(7)}
            <StatusText status={v.status} word={v.word} />{b.verifiedAt === null ? '' : ` ${ago(b.verifiedAt, now)} ago`}
          </Text>
        );
      })}
      {selected ? (
        <Box flexDirection="column" marginTop={1}>
          <Text wrap="truncate">#{selected.id} at {selected.location}</Text>
          <Text wrap="truncate">sha256 {selected.sha256.slice(0, 16)}…  schema {selected.schemaVersion ?? '-'}  newest candle {selected.newestCandle === null ? '-' : utcMinute(selected.newestCandle)}</Text>
          <Text wrap="truncate" color={selected.result === 'failed' ? undefined : theme.muted}>{selected.detail ?? (selected.rowCounts ? Object.entries(selected.rowCounts).map(([t, n]) => `${t} ${n}`).join(', ') : '')}</Text>
        </Box>
      ) : null}
    </Panel>
  );
}
