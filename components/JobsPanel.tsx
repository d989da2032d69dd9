import { Text } from 'ink';
import ms from 'ms';
import React from 'react';
import type { ConsoleModel } from '../src/console/console-model.js';
import type { JobView } from '../src/engine/engine.js';
import { Panel } from './Panel.js';
import { StatusText } from './StatusText.js';
import { STATUS_SYMBOL, stateStatus, statusColour, useTheme } from './theme.js';
import { columnsGrid } from '../src/console/layout.js';
import { RUNNING_SYMBOL } from '../src/status/vocabulary.js';
import { filterJobs, filterTitle, noRowMatches } from '../src/console/list-filter.js';

function nextRun(job: JobView, now: number): string {
  if (!job.enabled) return 'disabled';
  if (job.nextRunAt === null) return 'on demand';
  return `in ${ms(Math.max(1000, job.nextRunAt - now))} (${new Date(job.nextRunAt).toISOString().slice(11, 16)}Z)`;
}

function progressText(p: ConsoleModel['progress'][string], startedAt: number, now: number): string {
  if (!p || p.total === 0) return `for ${ms(Math.max(1000, now - startedAt))}`;
  const rate = p.done / Math.max(1, (now - p.startedAt) / 1000);
  return `${p.done}/${p.total} series, ${rate.toFixed(1)}/s, 429s ${p.rateLimited429}`;
}

/**
 * Each job: next run (relative and UTC), last result and duration, or its live progress. When
 * there are more jobs than rows (80x24 has six), the jobs go in columns of mark and name, so
 * every job name stays on screen; Enter shows the rest. Each line is one text cut at the panel's
 * edge: a name is always followed by a space before its status, at any width. `filter` (`/`):
 * only the jobs whose name contains it; `selected` counts in what it keeps.
 */
export function JobsPanel({ model, focused, selected, rows, filter = '', filtering = false }: { model: ConsoleModel; focused: boolean; selected: number; rows?: number; filter?: string; filtering?: boolean }): React.JSX.Element {
  const theme = useTheme();
  const jobs = filterJobs(model.engine?.jobs ?? [], filter);
  const title = filterTitle(filter, filtering) || undefined;
  const now = Date.now();
  const width = Math.max(0, ...jobs.map((j) => j.name.length));
  const pointer = (i: number) => (focused && i === selected ? '›' : ' ');
  const mark = (job: JobView) => (job.running ? <Text color={theme.accent}>{RUNNING_SYMBOL}</Text> : <Text color={statusColour(theme, stateStatus(job.state?.lastStatus))}>{STATUS_SYMBOL[stateStatus(job.state?.lastStatus)]}</Text>);
  if (rows !== undefined && rows > 0 && jobs.length > rows) {
    return (
      <Panel title="Jobs" focused={focused} flexGrow={1} right={title}>
        {columnsGrid(jobs.length, rows).map((line) => (
          <Text key={line[0]} wrap="truncate">
            {line.map((i, c) => (
              <Text key={jobs[i]!.name}>
                {c ? ' ' : ''}<Text inverse={focused && i === selected}>{pointer(i)}</Text>{mark(jobs[i]!)}{' '}
                <Text inverse={focused && i === selected}>{c < line.length - 1 ? jobs[i]!.name.padEnd(width) : jobs[i]!.name}</Text>
              </Text>
            ))}
          </Text>
        ))}
      </Panel>
    );
  }
  return (
    <Panel title="Jobs" focused={focused} flexGrow={1} right={title}>
      {/* No engine yet (the console's first frame comes before it): the jobs are not read yet. */}
      {!model.engine ? <Text color={theme.muted}>? starting…</Text>
        : jobs.length === 0 && filter ? <Text color={theme.warn} wrap="truncate">{STATUS_SYMBOL.unknown} {noRowMatches('job', filter)} (/ then Esc clears)</Text>
        : jobs.length === 0 ? <Text color={theme.muted}>· no jobs</Text> : null}
      {jobs.map((job, i) => (
        <Text key={job.name} wrap="truncate">
          <Text inverse={focused && i === selected}>{pointer(i)}{job.name.padEnd(width)}</Text>{' '}
          {job.running
            ? <><Text color={theme.accent}>{RUNNING_SYMBOL} running</Text> {progressText(model.progress[job.name], job.running.startedAt, now)}</>
            : <>
                <StatusText status={stateStatus(job.state?.lastStatus)} word={job.state?.lastStatus ?? 'never'} />
                <Text color={theme.muted}> {job.state?.lastDurationMs != null ? ms(job.state.lastDurationMs) : ''} {job.waitingFor ? `waits for ${job.waitingFor.join(', ')}` : `next ${nextRun(job, now)}`}</Text>
              </>}
        </Text>
      ))}
    </Panel>
  );
}
