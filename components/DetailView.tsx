import { Box, Text } from 'ink';
import ms from 'ms';
import React from 'react';
import { alertSince, type AlertView, type ConsoleModel, type LogView } from '../src/console/console-model.js';
import { filterLines, logWindow, type LogScroll } from '../src/console/log-scroll.js';
import type { BackupEntry } from '../src/backup/catalog.js';
import { windowed } from '../src/console/details.js';
import type { JobRun } from '../src/engine/run-history.js';
import type { DaemonEvent } from '../src/engine/supervisor/daemon-store.js';
import type { Panel as PanelId } from '../src/console/view-state.js';
import { BackupsDetail } from './BackupsDetail.js';
import { CoverageDetail } from './CoverageDetail.js';
import { DaemonDetail } from './DaemonDetail.js';
import { ageText, noMatchText, rankedSeries } from './FreshnessPanel.js';
import { ResourcesDetail } from './ResourcesDetail.js';
import { Panel } from './Panel.js';
import { StatusText } from './StatusText.js';
import { stateStatus, useTheme } from './theme.js';

interface Props {
  panel: PanelId;
  model: ConsoleModel;
  row: number;
  height: number;
  filter: string;
  job: string | null;
  runs: JobRun[];
  /** The runs come from every host (store.backend postgres): each shows its host. */
  hosts?: boolean;
  alert: AlertView | null;
  /** The log of the run selected in a job's runs, or opened in the log view; null: the log panel's. */
  runLog?: LogView | null;
  log?: LogScroll;
  width?: number;
  /** The log view's filter: only the lines that contain it. */
  logFilter?: string;
  /** The filter prompt is open (the cursor shows after the text). */
  filtering?: boolean;
  /** The catalog's copies, for the Backups detail. */
  backups?: readonly BackupEntry[];
  /** The daemon's recent events, for the Heartbeat detail. */
  daemonEvents?: readonly DaemonEvent[];
}

/** Rows of log text the log view shows in a detail area of `height` rows: the panel's borders and title take three. */
export function logViewRows(height: number): number {
  return Math.max(1, height - 3);
}

export function DetailView({ panel, model, row, height, filter, job, runs, hosts = false, alert, runLog = null, log = { top: null, wrap: false }, width = 76, logFilter = '', filtering = false, backups = [], daemonEvents = [] }: Props): React.JSX.Element {
  const theme = useTheme();
  const body = Math.max(3, height - 4);
  if (panel === 'coverage') return <CoverageDetail health={model.health} row={row} height={height} />;
  if (panel === 'daemon') return <DaemonDetail engine={model.engine} events={daemonEvents} row={row} height={height} start={model.daemonStart} />;
  if (panel === 'resources') return <ResourcesDetail resources={model.resources} row={row} height={height} width={width} />;
  if (panel === 'backups') return <BackupsDetail backups={backups} row={row} height={height} />;
  if (panel === 'freshness') {
    const series = rankedSeries((model.health?.freshness ?? []).filter((s) => !filter || s.symbol.includes(filter)), model.freshnessCriticalMs);
    const { items, offset } = windowed(series, row, body - 1);
    return (
      <Panel title={`Freshness: every series (${series.length}${filter ? `, filter ${filter}` : ''})`} focused flexGrow={1} right="Esc back">
        <Text bold>{'SYMBOL'.padEnd(12)}{'INT'.padEnd(5)}{'STATUS'.padEnd(12)}{'AGE'.padEnd(10)}NEWEST CANDLE (UTC)</Text>
        {filter && series.length === 0 ? <Text color={theme.warn}>? {noMatchText(filter)}</Text> : null}
        {items.map((s, i) => (
          <Text key={`${s.symbol}/${s.interval}`} inverse={offset + i === row} wrap="truncate">
            {s.symbol.padEnd(12)}{s.interval.padEnd(5)}<StatusText status={s.status} word={s.status.padEnd(10)} />{ageText(s.ageMs).padEnd(10)}
            {s.lastOpenTime === null ? '-' : new Date(s.lastOpenTime).toISOString().slice(0, 16).replace('T', ' ')}
          </Text>
        ))}
      </Panel>
    );
  }
  if (panel === 'jobs') {
    const { items, offset } = windowed(runs, row, Math.max(2, Math.floor(body / 2)));
    return (
      <Box flexDirection="column" flexGrow={1}>
        <Panel title={`Job ${job ?? '-'}: runs`} focused right="Enter log  r run  Esc back">
          <Text bold>{hosts ? 'HOST'.padEnd(11) : ''}{'RUN'.padEnd(7)}{'TRIGGER'.padEnd(10)}{'STARTED (UTC)'.padEnd(18)}{'RESULT'.padEnd(14)}{'EXIT'.padEnd(6)}DURATION</Text>
          {items.length === 0 ? <Text color={theme.muted}>· never ran</Text> : null}
          {items.map((r, i) => (
            <Text key={`${r.host ?? ''}/${r.id}`} inverse={offset + i === row} wrap="truncate">
              {hosts ? hostCell(r.host) : ''}{String(r.id).padEnd(7)}{r.trigger.padEnd(10)}{new Date(r.startedAt).toISOString().slice(0, 16).replace('T', ' ').padEnd(18)}
              <StatusText status={stateStatus(r.status)} word={r.status.padEnd(12)} />{String(r.exitCode ?? '-').padEnd(6)}{r.durationMs == null ? '-' : ms(r.durationMs)}
            </Text>
          ))}
        </Panel>
        <Panel title={`Log: ${(runLog ?? model.log).title}`} flexGrow={1}>
          {(runLog ?? model.log).lines.slice(-Math.max(1, body - items.length - 4)).map((l, i) => <Text key={i} wrap="truncate">{l}</Text>)}
        </Panel>
      </Box>
    );
  }
  if (panel === 'alerts') {
    return (
      <Panel title="Alert" focused flexGrow={1} right="a ack  Esc back">
        {!alert ? <Text color={theme.muted}>· no alert selected</Text> : (
          <>
            <Text><StatusText status={stateStatus(alert.severity)} word={alert.severity} /> {alert.rule} ({alert.state}{alert.acked ? ', acked' : ''})</Text>
            <Text wrap="wrap">{alert.summary}</Text>
            {(() => {
              const { word, at } = alertSince(alert);
              if (word === 'resolved') return <Text><StatusText status="ok" word="resolved" /> (no longer open; Esc to leave)</Text>;
              return <Text>{word} {at === null ? '-' : `${new Date(at).toISOString().slice(0, 19).replace('T', ' ')} UTC (${ms(Math.max(1000, Date.now() - at))} ago)`}</Text>;
            })()}
            <Text>runbook {alert.runbook ?? '-'}</Text>
          </>
        )}
      </Panel>
    );
  }
  const shown = runLog ?? model.log;
  const lines = filterLines(shown.lines, logFilter);
  const view = logWindow(lines, log, logViewRows(height), width);
  const where = view.total === 0 ? 'empty' : `${view.first + 1}-${view.first + view.rows.length}/${view.total}`;
  const filterText = filtering ? `filter: ${logFilter}▏ ` : logFilter ? `filter: ${logFilter} ` : '';
  return (
    <Panel title={`Log: ${shown.title}`} focused flexGrow={1} right={`${filterText}${where} ${log.top === null ? 'following' : 'paused'}${log.wrap ? ' wrap' : ''}`}>
      {logFilter && lines.length === 0 && shown.lines.length > 0 ? <Text color={theme.warn}>? no line contains '{logFilter}'</Text> : null}
      {view.rows.map((l, i) => <Text key={i} wrap="truncate">{l}</Text>)}
    </Panel>
  );
}

/** A run's host in an 11-column cell: cut to 10 characters, the cut marked. */
function hostCell(host: string | null): string {
  const name = host ?? '-';
  return (name.length > 10 ? `${name.slice(0, 9)}…` : name).padEnd(11);
}
