import { Box, Text } from 'ink';
import ms from 'ms';
import React from 'react';
import { eventCounts, eventRows, windowed } from '../src/console/details.js';
import type { EngineSnapshot } from '../src/engine/engine.js';
import type { DaemonEvent } from '../src/engine/supervisor/daemon-store.js';
import type { SupervisorStatus } from '../src/engine/supervisor/supervisor.js';
import { heartbeatText } from './DaemonPanel.js';
import { daemonElsewhereDetail, daemonHostElsewhere, type DaemonStartView } from '../src/console/daemon-elsewhere.js';
import { Panel } from './Panel.js';
import { StatusText } from './StatusText.js';
import { stateStatus, useTheme } from './theme.js';

function isSupervised(d: NonNullable<EngineSnapshot['daemon']>): d is SupervisorStatus {
  return 'heartbeatAgeMs' in d;
}

const utcSecond = (at: number) => new Date(at).toISOString().slice(0, 19).replace('T', ' ');

/** The supervised daemon now, and its events of the last days (starts, exits, crashes, restarts), newest first. */
export function DaemonDetail({ engine, events, row, height, start = null, now = Date.now() }: {
  engine: EngineSnapshot | null; events: readonly DaemonEvent[]; row: number; height: number;
  /** On a host that does not lead (postgres): the daemon's newest start by a leader. */
  start?: DaemonStartView | null; now?: number;
}): React.JSX.Element {
  const theme = useTheme();
  const elsewhere = daemonHostElsewhere(engine);
  // The daemon runs with the leader on another host: this host's stored state and events are not its own.
  if (elsewhere) {
    const [where, started] = daemonElsewhereDetail(elsewhere, start, now);
    return (
      <Panel title={`Heartbeat: daemon ${engine?.daemon?.name ?? 'backtest'}`} focused flexGrow={1} right="Esc back">
        <Text wrap="wrap">{where}</Text>
        <Text wrap="wrap">{started}</Text>
        <Text color={theme.muted} wrap="wrap">· its events (starts, exits, crashes) are kept on {elsewhere}, with its log</Text>
      </Panel>
    );
  }
  const d = engine?.daemon ?? null;
  // A follower sees only the state the leader stored; the leader its supervisor's whole status.
  const full = d && isSupervised(d) ? d : null;
  const rows = eventRows(events);
  const { restarts, crashes } = eventCounts(events);
  // Borders and title 3, two lines of state, the table's header.
  const { items, offset } = windowed(rows, row, Math.max(1, height - 6));
  return (
    <Panel title={`Heartbeat: daemon ${d?.name ?? 'backtest'}`} focused flexGrow={1} right={`7d: ${restarts} restarts, ${crashes} crashes  Esc back`}>
      {!d ? <Text color={theme.muted} wrap="truncate">· none configured (daemon.command)</Text> : (
        <Box flexDirection="column">
          <Text wrap="truncate">
            <StatusText status={stateStatus(d.state)} word={d.state} />  PID {d.pid ?? '-'}
            {full?.startedAt ? `  up ${ms(Math.max(0, Date.now() - full.startedAt))}` : ''}  heartbeat {heartbeatText(full?.heartbeatAgeMs)}
          </Text>
          <Text wrap="truncate">
            restarts 24h {full?.restarts24h ?? '-'}  last exit {full?.lastExit ? `${full.lastExit.code ?? '-'}${full.lastExit.signal ? ` (${full.lastExit.signal})` : ''}` : '-'}
            {full ? `  cpu ${full.cpuPercent === null ? '-' : `${full.cpuPercent.toFixed(0)}%`}  rss ${full.rssBytes === null ? '-' : `${Math.round(full.rssBytes / 2 ** 20)}M`}` : ''}
          </Text>
        </Box>
      )}
      <Text bold wrap="truncate">{'TIME (UTC)'.padEnd(21)}{'EVENT'.padEnd(15)}DETAIL</Text>
      {rows.length === 0 ? <Text color={theme.muted}>· no events in the last 7 days</Text> : null}
      {items.map((e, i) => (
        <Text key={`${e.at}-${offset + i}`} inverse={offset + i === row} wrap="truncate">
          {utcSecond(e.at).padEnd(21)}<StatusText status={e.severity} word={e.kind.padEnd(13)} />{e.text}
        </Text>
      ))}
    </Panel>
  );
}
