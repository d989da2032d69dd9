import { Text } from 'ink';
import ms from 'ms';
import React from 'react';
import type { EngineSnapshot } from '../src/engine/engine.js';
import { agoText, daemonHostElsewhere, type DaemonStartView } from '../src/console/daemon-elsewhere.js';
import { Panel } from './Panel.js';
import { StatusText } from './StatusText.js';
import { stateStatus, useTheme } from './theme.js';

/** Coarse while fresh, so an idle screen does not change every second; exact once it ages. */
export function heartbeatText(ageMs: number | null | undefined): string {
  if (ageMs == null) return '-';
  return ageMs < 30_000 ? '< 30s ago' : `${ms(ageMs)} ago`;
}

/**
 * The supervised backtest daemon: state, PID, heartbeat age, restarts in 24 h. On a host that does
 * not lead (store.backend postgres) the daemon runs with the leader on another host: the panel
 * says where and when a leader last started it (`start`), in as many lines, and nothing of this
 * host's stored state, which is stale.
 */
export function DaemonPanel({ engine, start = null, focused = false, now = Date.now() }: { engine: EngineSnapshot | null; start?: DaemonStartView | null; focused?: boolean; now?: number }): React.JSX.Element {
  const theme = useTheme();
  const d = engine?.daemon;
  const full = d && 'heartbeatAgeMs' in d ? d : null;
  const elsewhere = daemonHostElsewhere(engine);
  return (
    <Panel title="Heartbeat" flexGrow={1} focused={focused}>
      {/* No engine yet (the console's first frame comes before it): nothing is known of a daemon. */}
      {!engine ? <Text color={theme.muted} wrap="truncate">? starting…</Text>
        : elsewhere ? (
        <>
          <Text wrap="truncate">backtest <Text color={theme.muted}>on</Text></Text>
          <Text wrap="truncate">{elsewhere}</Text>
          <Text wrap="truncate" color={theme.muted}>{start ? `started epoch ${start.epoch}` : 'with the leader'}</Text>
          <Text wrap="truncate" color={theme.muted}>{start ? agoText(start.at, now) : 'no start recorded'}</Text>
        </>
      )
        : !d ? <Text color={theme.muted} wrap="truncate">· none configured (daemon.command)</Text> : (
        <>
          <Text wrap="truncate">backtest <StatusText status={stateStatus(d.state)} word={d.state} /></Text>
          <Text wrap="truncate">PID {d.pid ?? '-'}</Text>
          <Text wrap="truncate">heartbeat {heartbeatText(full?.heartbeatAgeMs)}</Text>
          <Text wrap="truncate">restarts 24h {full?.restarts24h ?? '-'}</Text>
        </>
      )}
    </Panel>
  );
}
