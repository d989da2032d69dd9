import { Box, Text } from 'ink';
import React from 'react';
import type { WizardRun, WizardStep, WizardStepState } from '../src/console/wizard.js';
import { statusWordSeverity } from '../src/console/wizard-status.js';
import { StatusText } from './StatusText.js';
import { STATUS_SYMBOL, statusColour, useTheme } from './theme.js';

/** The step list's marks: the vocabulary's symbols for results, an arrow for the step waiting for you. */
function StepMark({ state }: { state: WizardStepState }): React.JSX.Element {
  const theme = useTheme();
  if (state === 'current') return <Text bold color={theme.accent}>▶</Text>;
  if (state === 'running') return <Text bold color={theme.accent}>●</Text>;
  const severity = statusWordSeverity(state);
  return <Text color={statusColour(theme, severity)}>{STATUS_SYMBOL[severity]}</Text>;
}

/** A window of `rows` steps around the current one, so a long runbook fits 80x24. */
export function stepWindow(steps: readonly WizardStep[], rows: number): { from: number; to: number } {
  if (steps.length <= rows) return { from: 0, to: steps.length };
  const current = Math.max(0, steps.findIndex((s) => s.state === 'current' || s.state === 'running'));
  const from = Math.max(0, Math.min(current - Math.floor(rows / 2), steps.length - rows));
  return { from, to: from + rows };
}

function Prompt({ run, typed, width, planRows }: { run: WizardRun; typed: string; width: number; planRows: number }): React.JSX.Element | null {
  const theme = useTheme();
  const p = run.prompt;
  if (run.error) return <Text wrap="wrap"><StatusText status="critical" word="stopped" />: {run.error}</Text>;
  if (run.finished) {
    const { outcome, reason } = run.finished;
    const status = outcome === 'resolved' ? 'ok' : outcome === 'escalated' ? 'critical' : 'warn';
    return (
      <Box flexDirection="column">
        <Text wrap="wrap"><StatusText status={status} word={outcome} />{reason ? `: ${reason}` : ': the steady-state probe passes'}</Text>
        {run.incidentId !== null ? <Text color={theme.muted}>report: cfa-console incident report {run.incidentId}   (Enter or Esc: back)</Text> : null}
      </Box>
    );
  }
  if (!p) {
    if (run.watching?.here) return <Text color={theme.muted}>read-only: this console's leader runs it automatically (it pages if it fails)</Text>;
    if (run.watching) return <Text color={theme.muted}>read-only: t takes it over (asks first)</Text>;
    return <Text color={theme.muted}>{run.phase === 'before' || run.phase === 'starting' ? 'checking the steady state first…' : run.phase === 'after' ? 'checking the steady state after…' : 'running…'}</Text>;
  }
  switch (p.kind) {
    case 'step':
      return <Text wrap="truncate"><Text bold>Enter</Text> run{p.risk !== 'read' ? ` (${p.risk}: asks before changing anything)` : ''}{p.skippable ? '  s skip' : ''}  x abort  Esc dashboard (the run waits)</Text>;
    case 'resume':
      return <Text wrap="wrap"><StatusText status="warn" word="interrupted" />: incident #{p.incidentId} stopped{p.at ? ` at "${p.at}"` : ''}. Resume it there? <Text bold>[y/N]</Text></Text>;
    case 'take-over':
      return <Text wrap="wrap"><StatusText status="warn" word="take over" />: incident #{p.incidentId} is worked by {p.by} since {iso(p.since)}. Take it over? <Text bold>[y/N]</Text></Text>;
    case 'confirm':
      return (
        <Box flexDirection="column" borderStyle="round" borderColor={p.risk === 'destructive' ? theme.critical : theme.warn} paddingX={1} width={width}>
          {clipPlan(p.lines, planRows).map((line, i) => <Text key={i} wrap="truncate" bold={i === 0}>{i === 0 ? `${p.risk === 'destructive' ? STATUS_SYMBOL.critical : STATUS_SYMBOL.warn} ` : ''}{line}</Text>)}
          {p.word
            ? <Text wrap="truncate">Type <Text bold>{p.word}</Text> and Enter to go ahead (Esc: no): <Text bold>{typed}▏</Text></Text>
            : <Text wrap="truncate">Go ahead? <Text bold>[y/N]</Text></Text>}
        </Box>
      );
  }
}

/** The plan's lines within `rows`: the title and the facts first (the numbers), then the effects as they fit. */
export function clipPlan(lines: readonly string[], rows: number): string[] {
  if (lines.length <= rows) return [...lines];
  return [...lines.slice(0, Math.max(1, rows - 1)), `… ${lines.length - Math.max(1, rows - 1)} more line(s): enlarge the terminal to see them`];
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Rows the plan box takes: its lines, the question, the border. */
function promptRows(run: WizardRun): number {
  const p = run.prompt;
  if (run.finished) return 2;
  if (p?.kind === 'confirm') return p.lines.length + 3;
  return p?.kind === 'resume' || p?.kind === 'take-over' || run.error ? 2 : 1;
}

/**
 * The wizard: "step k of n", the step list with states, the current step's why, the plan of a
 * confirm with its real numbers (or the typed word of a destructive one), and the live output.
 */
export function Wizard({ run, typed, width, height }: { run: WizardRun; typed: string; width: number; height: number }): React.JSX.Element {
  const theme = useTheme();
  const current = run.steps.find((s) => s.state === 'current' || s.state === 'running')
    ?? (run.position.index > 0 ? run.steps[run.position.index - 1] : undefined);
  const confirming = run.prompt?.kind === 'confirm' && !run.finished && !run.error;
  // Rows, top to bottom: the title, who works it, the steps, the why, the prompt, the output.
  const top = 1 + (run.watching ? 1 : 0);
  // A plan takes the room: only the step it is for stays above it (its why is in the plan's effects).
  const stepRows = confirming ? 1 : Math.max(1, Math.min(run.steps.length, 9, height - top - 3 - 2 - 2));
  const { from, to } = confirming && current
    ? { from: run.steps.indexOf(current), to: run.steps.indexOf(current) + 1 }
    : stepWindow(run.steps, stepRows);
  const windowed = !confirming && (from > 0 || to < run.steps.length);
  const whyRows = confirming ? 0 : 3;
  const planRows = Math.max(1, height - top - (to - from) - 3);
  const promptHeight = confirming ? Math.min(promptRows(run), planRows + 3) : promptRows(run);
  const outputRows = Math.max(0, height - top - (to - from) - (windowed ? 1 : 0) - whyRows - promptHeight - 1);
  const where = run.position.index > 0 ? `step ${run.position.index} of ${run.position.total}` : `${run.position.total} steps`;
  return (
    <Box flexDirection="column" width={width} height={height} paddingX={1} overflow="hidden">
      <Box justifyContent="space-between" flexShrink={0}>
        <Text bold wrap="truncate">Runbook {run.runbookId}: {run.title}</Text>
        <Box flexShrink={0}><Text color={theme.muted}> {run.incidentId !== null ? `incident #${run.incidentId} │ ` : ''}{run.alert ? `alert #${run.alert.id} │ ` : ''}<Text bold color={theme.accent}>{where}</Text></Text></Box>
      </Box>
      {run.watching ? <Text wrap="truncate"><StatusText status="warn" word="read-only" />: being worked by {run.watching.by} since {iso(run.watching.since)}</Text> : null}
      {windowed ? <Text color={theme.muted}>  steps {from + 1}-{to} of {run.steps.length}</Text> : null}
      {run.steps.slice(from, to).map((s, i) => (
        <Text key={s.id} wrap="truncate" bold={s === current}>
          <StepMark state={s.state} /> {String(from + i + 1).padStart(2)} {s.title}{s.risk !== 'read' ? <Text color={theme.muted}> [{s.risk}]</Text> : null} <Text color={theme.muted}>{s.state === 'pending' ? '' : s.state === 'current' ? 'next' : s.state}{s.summary ? `: ${s.summary}` : ''}</Text>
        </Text>
      ))}
      {whyRows ? (
        <Box flexDirection="column" marginTop={1} height={2} flexShrink={0} overflow="hidden">
          {current ? <Text wrap="wrap"><Text bold>Why:</Text> {current.why}</Text> : <Text color={theme.muted}>The steady state (the alert's own probe) is checked before the first step and after the last.</Text>}
        </Box>
      ) : null}
      <Box flexShrink={0} flexDirection="column"><Prompt run={run} typed={typed} width={width - 2} planRows={planRows} /></Box>
      {outputRows > 0 ? (
        <Box flexDirection="column" height={outputRows + 1} overflow="hidden">
          <Text color={theme.muted}>Output</Text>
          {run.output.slice(-outputRows).map((line, i) => <Text key={i} wrap="truncate">{line}</Text>)}
        </Box>
      ) : null}
    </Box>
  );
}
