import { Text } from 'ink';
import ms from 'ms';
import React from 'react';
import type { EngineSnapshot } from '../src/engine/engine.js';
import { Panel } from './Panel.js';
import { StatusText } from './StatusText.js';
import { stateStatus, useTheme } from './theme.js';

/** Coarse while fresh, so an idle screen does not change every second; exact once it ages. */
export function heartbeatText(ageMs: number | null | undefined): string {
  if (ageMs == null) return '-';
  return ageMs < 30_000 ? '< 30s ago' : `${ms(ageMs)} ago`;
}

/** The supervised backtest daemon: state, PID, heartbeat age, restarts in 24 h. */
export function DaemonPanel({ engine, focused = false }: { engine: EngineSnapshot | null; focused?: boolean }): React.JSX.Element {
  const theme = useTheme();
  const d = engine?.daemon;
  const full = d && 'heartbeatAgeMs' in d ? d : null;
  return (
    <Panel title="Heartbeat" flexGrow={1} focused={focused}>
      {/* No engine yet (the console's first frame comes before it): nothing is known of a daemon. */}
      {!engine ? <Text color={theme.muted} wrap="truncate">? starting…</Text>
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
