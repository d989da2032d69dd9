import { Box, Text } from 'ink';
import React from 'react';
import type { ConsoleModel } from '../src/console/console-model.js';
import { severityOf } from '../src/status/vocabulary.js';
import { causeText, headerStatus } from '../src/console/health-summary.js';
import { Clock } from './Clock.js';
import { StatusText } from './StatusText.js';
import { STATUS_SYMBOL, useTheme } from './theme.js';
import { clockWidth, fitHeader, SHORT_CLOCK_BELOW } from '../src/console/header-layout.js';

/**
 * This console's engine's role. With the lease in PostgreSQL the leader may be on another host:
 * it is named with its epoch, as `status` names it, and a lease that could not be read is said
 * as such rather than shown as no leader.
 */
export function roleText(engine: ConsoleModel['engine'], short = false): string {
  if (!engine) return 'starting';
  if (engine.role === 'leader') return 'leader';
  const shared = engine.leaseIn === 'PostgreSQL';
  // Short (a narrow terminal): who leads, without the PID `status` has.
  if (engine.leader) return `follower of ${short ? '' : `PID ${engine.leader.pid}@`}${engine.leader.host}${shared && engine.leader.epoch !== undefined ? `, epoch ${engine.leader.epoch}` : ''}`;
  if (shared && engine.leaseProblem) return short ? 'follower (PostgreSQL not answering)' : 'follower (leader unknown: PostgreSQL not answering)';
  return shared && !short ? 'follower (no leader on any host)' : 'follower (no leader)';
}

/**
 * `badge`: an incident in progress (the runbook wizard's), shown before the host so it is never cut off.
 * `drill`: the scenario of a game-day drill (`cfa-console drill <scenario>`); the banner says so on every screen.
 */
export function Header({ model, badge, badgeWidth = 0, drill = null, columns = SHORT_CLOCK_BELOW }: {
  model: ConsoleModel; badge?: React.ReactNode;
  /** The badge's cells, so the line's layout counts them. */
  badgeWidth?: number;
  drill?: string | null;
  /** The terminal's width: the line is fitted to it (header-layout.ts), the role kept. */
  columns?: number;
}): React.JSX.Element {
  const theme = useTheme();
  // From the probes the panels and the Health row show, naming the ones that set it.
  const { status, causes } = headerStatus(model.health);
  const word = status.replace('-', ' ').toUpperCase();
  // With an incident open its badge needs the room (80 columns hold one or the other); the
  // Health row and the panels still show the causes.
  const fit = fitHeader({
    columns, drill, badgeWidth: badge ? badgeWidth : 0, host: model.host, dataDir: model.dataDir,
    role: roleText(model.engine), shortRole: roleText(model.engine, true),
    status: `${STATUS_SYMBOL[severityOf(status)]} ${word}`, causes: causes.length && !badge ? causeText(causes) : '', clockWidth: clockWidth(columns),
  });
  return (
    <Box justifyContent="space-between" paddingX={1}>
      <Text wrap="truncate">
        {drill ? <Text inverse bold color={theme.accent}> DRILL {drill} </Text> : null}{drill ? ' ' : ''}
        <Text bold color={theme.accent}>cfa-console</Text>
        {badge ? <Text> │ {badge}</Text> : null}
        <Text> │ {model.host}{fit.dataDir === null ? '' : ` │ ${fit.dataDir}`} │ {fit.role}</Text>
      </Text>
      {/* The clock is last, so its cells sit at a known column for the clock ticker. */}
      <Box flexShrink={0} marginLeft={1}>
        {/* "health", so `leader │ health ✖ CRITICAL` never reads as if the leader were critical. */}
        <Text>health </Text>
        <StatusText status={severityOf(status)} word={word} />
        {fit.causes ? <Text> {fit.causes}</Text> : null}
        <Text> │ </Text>
        <Clock columns={columns} />
      </Box>
    </Box>
  );
}
