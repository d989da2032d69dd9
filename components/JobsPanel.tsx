import { Box, Text } from 'ink';
import ms from 'ms';
import React from 'react';
import type { ConsoleModel } from '../src/console/console-model.js';
import type { JobView } from '../src/engine/engine.js';
import { Panel } from './Panel.js';
import { StatusText } from './StatusText.js';
import { stateStatus, useTheme } from './theme.js';
import { RUNNING_SYMBOL } from '../src/status/vocabulary.js';

function nextRun(job: JobView, now: number): string {
  if (!job.enabled) return 'disabled';
  if (job.nextRunAt === null) return 'on demand';
  return `in ${ms(Math.max(1000, job.nextRunAt - now))} (${new Date(job.nextRunAt).toISOString().slice(11, 16)}Z)`;
}

function progressText(p: ConsoleModel['progress'][string], now: number): string {
  if (!p || p.total === 0) return 'running…';
  const rate = p.done / Math.max(1, (now - p.startedAt) / 1000);
  return `${p.done}/${p.total} series, ${rate.toFixed(1)}/s, 429s ${p.rateLimited429}`;
}

/**
 * Each job: next run (relative and UTC), last result and duration, or its live progress. When
 * there are more jobs than rows (80x24 has six), the jobs go in two columns of name and status
 * mark, so every job name stays on screen; Enter shows the rest.
 */
export function JobsPanel({ model, focused, selected, rows }: { model: ConsoleModel; focused: boolean; selected: number; rows?: number }): React.JSX.Element {
  const theme = useTheme();
  const jobs = model.engine?.jobs ?? [];
  const now = Date.now();
  // Names are shown whole: the rest of the line is what gets cut.
  const width = Math.max(0, ...jobs.map((j) => j.name.length)) + 1;
  if (rows !== undefined && rows > 0 && jobs.length > rows) {
    const perColumn = Math.ceil(jobs.length / 2);
    const cell = (job: JobView, i: number) => (
      <Box key={job.name} flexShrink={0}>
        <Text inverse={focused && i === selected}>{focused && i === selected ? '›' : ' '}</Text>
        {job.running ? <Text color={theme.accent}>{RUNNING_SYMBOL} </Text> : <StatusText status={stateStatus(job.state?.lastStatus)} word="" />}
        <Text inverse={focused && i === selected}>{job.name}</Text>
      </Box>
    );
    return (
      <Panel title="Jobs" focused={focused} flexGrow={1}>
        <Box>
          <Box flexDirection="column" marginRight={1}>{jobs.slice(0, perColumn).map((j, i) => cell(j, i))}</Box>
          <Box flexDirection="column">{jobs.slice(perColumn).map((j, i) => cell(j, i + perColumn))}</Box>
        </Box>
      </Panel>
    );
  }
  return (
    <Panel title="Jobs" focused={focused} flexGrow={1}>
      {/* No engine yet (the console's first frame comes before it): the jobs are not read yet. */}
      {!model.engine ? <Text color={theme.muted}>? starting…</Text> : jobs.length === 0 ? <Text color={theme.muted}>· no jobs</Text> : null}
      {jobs.map((job, i) => (
        <Box key={job.name}>
          <Box flexShrink={0}><Text inverse={focused && i === selected}>{focused && i === selected ? '›' : ' '}{job.name.padEnd(width)}</Text></Box>
          {job.running
            ? <Text wrap="truncate"><Text color={theme.accent}>{RUNNING_SYMBOL} running</Text> {progressText(model.progress[job.name], now)}</Text>
            : <Text wrap="truncate">
                <StatusText status={stateStatus(job.state?.lastStatus)} word={job.state?.lastStatus ?? 'never'} />
                <Text color={theme.muted}> {job.state?.lastDurationMs != null ? ms(job.state.lastDurationMs) : ''} {job.waitingFor ? `waits for ${job.waitingFor.join(', ')}` : `next ${nextRun(job, now)}`}</Text>
              </Text>}
        </Box>
      ))}
    </Panel>
  );
}
