import { Box, useApp, useInput, useStdout } from 'ink';
import { CompactContext } from './Panel.js';
import React, { useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import type { ConsoleActions } from '../src/console/console-actions.js';
import type { ConsoleStore } from '../src/console/console-store.js';
import { actionFor, keyName, type KeyPress, type Scope } from '../src/console/keymap.js';
import type { LineKey } from '../src/console/line-edit.js';
import { editFilter, initialView, reduce, scopeOf, type ViewContext, type ViewState } from '../src/console/view-state.js';
import { replicationView, viewedAlert as followAlert, type AlertView } from '../src/console/console-model.js';
import type { WizardSession, WizardSnapshot } from '../src/console/wizard.js';
import { wizardActionFor } from '../src/console/wizard-keys.js';
import { initialWizardView, reduceWizard, showWizard, typeWord, wizardScope, type WizardViewState } from '../src/console/wizard-view.js';
import type { Interval } from '../src/exchange/intervals.js';
import { AlertsPanel, openAlerts } from './AlertsPanel.js';
import { BackupsPanel } from './BackupsPanel.js';
import { ConfirmBar } from './ConfirmBar.js';
import { CoveragePanel } from './CoveragePanel.js';
import { DaemonPanel } from './DaemonPanel.js';
import { DetailView, logViewRows } from './DetailView.js';
import { displayRows } from '../src/console/log-scroll.js';
import { Footer } from './Footer.js';
import { FreshnessPanel } from './FreshnessPanel.js';
import { Header } from './Header.js';
import { HealthRow } from './HealthRow.js';
import { healthRowProbes } from '../src/console/health-summary.js';
import { HelpOverlay } from './HelpOverlay.js';
import { JobsPanel } from './JobsPanel.js';
import { LogPanel } from './LogPanel.js';
import { ResourcesPanel } from './ResourcesPanel.js';
import { MIN_COLUMNS, MIN_ROWS, TooSmall } from './TooSmall.js';
import { ThemeProvider } from './theme.js';
import { IncidentBadge } from './IncidentBadge.js';
import { RunbookList } from './RunbookList.js';
import { Wizard } from './Wizard.js';
import { WizardFooter, WizardHelp } from './WizardFooter.js';

interface Props {
  store: ConsoleStore;
  actions: ConsoleActions;
  intervals: readonly Interval[];
  noColor: boolean;
  /** Called for Ctrl-L: the shell clears the terminal so the next frame is drawn whole. */
  onRedraw?: () => void;
  onExit?: () => void;
  /** The runbook wizard (src/console/wizard.ts); without it the dashboard has no runbook screens. */
  wizard?: WizardSession;
  /** A game-day drill's scenario: the DRILL banner in the header of every screen. */
  drill?: string | null;
  /**
   * The engine is not up yet (the console's first frame comes before it): keys are left unread,
   * so what is typed meanwhile takes effect, in order, once the views can act on it.
   */
  starting?: boolean;
}

/** Keys that arrive as one character inside a chunk of several (keys typed while the console starts come so). */
const CHUNK_KEYS: Record<string, KeyPress> = { '\r': { return: true }, '\t': { tab: true } };

const NO_WIZARD: WizardSnapshot = { runbooks: [], incidents: [], run: null, attention: 0 };
const noSubscribe = () => () => {};

function useTerminalSize(): { columns: number; rows: number } {
  const { stdout } = useStdout();
  const read = () => ({ columns: stdout.columns || 100, rows: stdout.rows || 30 });
  const [size, setSize] = useState(read);
  useEffect(() => {
    let timer: NodeJS.Timeout | undefined;
    // A drag-resize sends a burst of events: lay out once it settles.
    const onResize = () => {
      clearTimeout(timer);
      timer = setTimeout(() => setSize(read()), 80);
    };
    stdout.on('resize', onResize);
    return () => {
      clearTimeout(timer);
      stdout.off('resize', onResize);
    };
  }, [stdout]);
  return size;
}

export function App({ store, actions, intervals, noColor, onRedraw, onExit, wizard, drill = null, starting = false }: Props): React.JSX.Element {
  const model = useSyncExternalStore(store.subscribe, store.getSnapshot);
  const wiz = useSyncExternalStore(wizard?.subscribe ?? noSubscribe, wizard?.getSnapshot ?? (() => NO_WIZARD));
  const [wizView, setWizView] = useState<WizardViewState>(initialWizardView);
  const wizRef = useRef(wizView);
  wizRef.current = wizView;
  const applyWiz = (next: WizardViewState) => {
    wizRef.current = next;
    setWizView(next);
  };
  // An interrupted run found at start: the wizard comes up offering to resume it.
  useEffect(() => {
    if (wiz.attention > 0) applyWiz(showWizard(wizRef.current));
  }, [wiz.attention]);
  const { exit } = useApp();
  const { columns, rows } = useTerminalSize();
  const [view, setView] = useState<ViewState>(initialView);
  const jobs = model.engine?.jobs ?? [];
  const alerts = openAlerts(model.alerts);
  const series = model.health?.freshness ?? [];
  const selectedJob = jobs[view.rows.jobs]?.name ?? null;

  const runs = useMemo(
    () => (view.detail === 'jobs' && selectedJob ? actions.jobRuns(selectedJob) : []),
    [view.detail, selectedJob, model.engine, actions],
  );

  // The selected run's log under a job's runs, and the run opened in the log view: any run, not only the newest.
  const runLog = useMemo(() => {
    const id = view.detail === 'log' ? view.logRun : view.detail === 'jobs' ? runs[view.detailRow]?.id ?? null : null;
    return id === null ? null : actions.runLog(id);
  }, [view.detail, view.logRun, view.detailRow, runs, model.log, actions]);
  const logWidth = columns - 4;

  useEffect(() => {
    if (view.panel === 'jobs' || view.detail === 'jobs') actions.followLog(selectedJob);
  }, [view.panel, view.detail, selectedJob, actions]);

  // The alert being viewed stays until the user leaves: followed by id, and marked resolved once
  // it leaves the open list, never replaced by the next one in the list.
  const viewedAlert = useRef<AlertView | null>(null);
  if (view.detail !== 'alerts') viewedAlert.current = null;
  else viewedAlert.current = followAlert(viewedAlert.current, alerts, alerts[view.rows.alerts] ?? null);

  const ctx: ViewContext = {
    rowCount: (panel, detail) => {
      if (panel === 'jobs') return detail ? runs.length : jobs.length;
      if (panel === 'alerts') return alerts.length;
      if (panel === 'freshness') return detail ? series.filter((s) => !view.filter || s.symbol.includes(view.filter)).length : 1;
      return 1;
    },
    selectedJob: (s) => (s.panel === 'jobs' || s.detail === 'jobs' ? jobs[s.rows.jobs]?.name ?? null : null),
    // A runbook run of this console stops with it (its incident is offered for resume next time): ask first.
    runningHere: () => [...actions.runningHere(), ...(wizard?.running() ? [`runbook ${wizard.running()}`] : [])],
    alertRunbook: (s) => {
      const alert = alerts[s.rows.alerts];
      return wizard && alert?.runbook ? { runbook: alert.runbook, alertId: alert.id } : null;
    },
    selectedRun: (s) => runs[s.detailRow]?.id ?? null,
    logSize: (s) => ({ total: displayRows((runLog ?? model.log).lines, s.log.wrap, logWidth).length, height: logViewRows(rows - 3) }),
  };
  const wizScope = wizardScope(wizView, wiz.run);
  const wizardShown = wizard !== undefined && wizView.screen !== 'none' && !(wizView.screen === 'wizard' && !wiz.run);

  const scope = (v: ViewState): Scope => scopeOf(v);
  const tooSmall = columns < MIN_COLUMNS || rows < MIN_ROWS;

  // The handler reads and writes the newest state through a ref: keys that arrive before the next
  // render (a chunk split into keys below, or fast typing) must each see what the previous one did.
  const viewRef = useRef(view);
  viewRef.current = view;
  const apply = (next: ViewState) => {
    viewRef.current = next;
    setView(next);
  };

  // The runbook screens take the keys while they show (a wizard with no run left shows the dashboard).
  const wizardActive = (): boolean => wizard !== undefined && wizRef.current.screen !== 'none'
    && !(wizRef.current.screen === 'wizard' && !wizard.getSnapshot().run);

  const pressWizard = (input: string, key: KeyPress & LineKey) => {
    const current = wizRef.current;
    const snapshot = wizard!.getSnapshot();
    const scope = wizardScope(current, snapshot.run);
    let result: ReturnType<typeof reduceWizard>;
    if (scope === 'wizard-type' && !key.ctrl) {
      result = typeWord(current, input, key);
    } else {
      const action = wizardActionFor(keyName(input, key), scope);
      if (!action) return;
      result = reduceWizard(current, action, { run: snapshot.run, runbooks: snapshot.runbooks });
    }
    const [next, effect] = result;
    applyWiz(next);
    switch (effect.kind) {
      case 'open': wizard!.open(effect.runbook); break;
      case 'answer': wizard!.answer(effect.answer); break;
      case 'take-over': wizard!.askTakeOver(); break;
      case 'leave': wizard!.dismiss(); break;
      case 'quit': onExit?.(); exit(); break;
      case 'none': break;
    }
  };

  const press = (input: string, key: KeyPress & LineKey) => {
    if (wizardActive() && !tooSmall) {
      pressWizard(input, key);
      return;
    }
    const current = viewRef.current;
    if (current.filtering) {
      apply(editFilter(current, input, key));
      return;
    }
    const name = keyName(input, key);
    if (tooSmall && name !== 'q' && name !== 'ctrl-c') return;
    const action = actionFor(name, tooSmall ? 'main' : scope(current));
    if (!action) return;
    const [next, effect] = reduce(current, action, ctx);
    apply(next);
    switch (effect.kind) {
      case 'exit':
        onExit?.();
        exit();
        break;
      case 'run-job':
        actions.runJob(effect.job);
        break;
      case 'ack-alert': {
        const alert = current.detail === 'alerts' ? viewedAlert.current : alerts[current.rows.alerts];
        if (alert) actions.ackAlert(alert.id);
        break;
      }
      case 'redraw':
        onRedraw?.();
        break;
      case 'runbook':
        if (!wizard) break;
        if (effect.runbook) {
          wizard.open(effect.runbook, effect.alertId);
          applyWiz(showWizard(wizRef.current));
        } else {
          // R: back to the run in progress, else the list.
          applyWiz(wizard.getSnapshot().run ? showWizard(wizRef.current) : { ...wizRef.current, screen: 'runbooks', help: false });
        }
        break;
      case 'none':
        break;
    }
  };

  useInput((input, key) => {
    // Several characters in one chunk (a paste, fast typing, a slow link) are several keys: each
    // in turn, and once one of them opens the filter the rest is typed into it.
    const typing = () => viewRef.current.filtering || (wizardActive() && wizardScope(wizRef.current, wizard!.getSnapshot().run) === 'wizard-type');
    if (typing() || input.length <= 1 || key.ctrl || key.meta) {
      press(input, key);
      return;
    }
    const chars = Array.from(input);
    for (const [i, ch] of chars.entries()) {
      if (typing()) {
        press(chars.slice(i).join(''), {});
        return;
      }
      const special = CHUNK_KEYS[ch];
      press(special ? '' : ch, special ?? {});
    }
  }, { isActive: !starting });

  // One row shorter than the terminal: Ink clears the whole screen once output reaches its height.
  const height = rows - 1;
  // Bands of fixed height that never shrink, so no row, title or job name is lost: at under 30
  // rows the panels drop their bottom borders and the heatmap its worst-series line.
  const compact = rows < 30;
  const bands = { freshness: compact ? 6 : 8, middle: compact ? 7 : 8 };
  const jobRows = Math.max(1, height - 2 - bands.freshness - bands.middle - (compact ? 2 : 3));
  // The Health row takes a row from the jobs when they can spare it (or sit in two columns
  // anyway), and always when a probe on it is not ok: then the header's cause is on screen.
  const healthRow = jobRows - 1 >= jobs.length || (jobRows < jobs.length && Math.ceil(jobs.length / 2) <= jobRows - 1)
    || healthRowProbes(model.health).some((p) => p.status !== 'ok');
  const bottomRows = jobRows - (healthRow ? 1 : 0);
  const content = tooSmall ? <TooSmall columns={columns} rows={rows} /> : (
    <Box flexDirection="column" width={columns} height={height}>
      <Header model={model} drill={drill} badge={wiz.incidents.length > 0 ? <IncidentBadge incidents={wiz.incidents} /> : null} />
      {wizardShown ? (
        wizView.help ? <WizardHelp />
          : wizView.screen === 'runbooks' || !wiz.run ? <RunbookList runbooks={wiz.runbooks} incidents={wiz.incidents} selected={wizView.row} height={height - 2} />
          : <Wizard run={wiz.run} typed={wizView.typed} width={columns} height={height - 2} />
      ) : view.help ? <HelpOverlay scope={scopeOf(view, true)} /> : view.detail ? (
        <DetailView panel={view.detail} model={model} row={view.detailRow} height={height - 2} filter={view.filter}
          job={selectedJob} runs={runs} alert={viewedAlert.current} runLog={runLog} log={view.log} width={logWidth} />
      ) : (
        <>
          {healthRow ? <HealthRow health={model.health} /> : null}
          <Box height={bands.freshness} flexShrink={0} flexDirection="column">
            <FreshnessPanel health={model.health} intervals={intervals} filter={view.filter} filtering={view.filtering}
              focused={view.panel === 'freshness'} width={columns - 4} criticalMs={model.freshnessCriticalMs} note={model.healthNote} worstLine={!compact} />
          </Box>
          {/* Fixed shares, so a long line in one panel never squeezes its neighbours. */}
          <Box height={bands.middle} flexShrink={0}>
            <Box width="25%"><CoveragePanel health={model.health} /></Box>
            <Box width="25%"><DaemonPanel engine={model.engine} /></Box>
            <Box width="25%"><ResourcesPanel resources={model.resources} width={Math.floor(columns / 4)} /></Box>
            <Box width="25%"><BackupsPanel backups={model.backups} replication={replicationView(model.health?.probes)} /></Box>
          </Box>
          <Box flexGrow={1}>
            {/* At 80 columns the jobs take two columns of names: a little more width keeps them whole. */}
            <Box width={compact ? '45%' : '40%'}><JobsPanel model={model} focused={view.panel === 'jobs'} selected={view.rows.jobs} rows={bottomRows} /></Box>
            <Box width={compact ? '27%' : '30%'}><AlertsPanel alerts={model.alerts} starting={model.engine === null} focused={view.panel === 'alerts'} selected={view.rows.alerts} /></Box>
            <Box width={compact ? '28%' : '30%'}><LogPanel log={model.log} focused={view.panel === 'log'} rows={bottomRows} /></Box>
          </Box>
        </>
      )}
      {view.confirm && !wizardShown ? <ConfirmBar confirm={view.confirm} /> : null}
      {wizardShown ? <WizardFooter scope={wizScope} notice={model.notice} skippable={wiz.run?.prompt?.kind === 'step' ? wiz.run.prompt.skippable : false} /> : <Footer scope={scope(view)} notice={model.notice} />}
    </Box>
  );
  return <ThemeProvider noColor={noColor}><CompactContext.Provider value={compact}>{content}</CompactContext.Provider></ThemeProvider>;
}
