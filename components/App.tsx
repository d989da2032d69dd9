import { Box, useApp, useInput, useStdout } from 'ink';
import { CompactContext } from './Panel.js';
import React, { useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import type { ConsoleActions } from '../src/console/console-actions.js';
import type { ConsoleStore } from '../src/console/console-store.js';
import { actionFor, footerWidth, keyName, type KeyPress, type Scope } from '../src/console/keymap.js';
import { feedChunk } from '../src/console/key-chunks.js';
import type { LineKey } from '../src/console/line-edit.js';
import { filterAlerts, filterJobs } from '../src/console/list-filter.js';
import { editCommand, editFilter, initialView, listFilterOf, reduce, scopeOf, type Effect, type Panel as FocusPanel, type ViewContext, type ViewState } from '../src/console/view-state.js';
import { breadcrumb, fitCrumb, logSourceFor } from '../src/console/focus.js';
import { backupLabel, coverageRows, eventRows, resourceRows } from '../src/console/details.js';
import { replicationView, viewedAlert as followAlert, type AlertView } from '../src/console/console-model.js';
import type { WizardSession, WizardSnapshot } from '../src/console/wizard.js';
import { wizardActionFor } from '../src/console/wizard-keys.js';
import { CLEAR_SCREEN } from '../src/console/terminal.js';
import { initialWizardView, reduceWizard, showWizard, typeWord, wizardScope, type WizardViewState } from '../src/console/wizard-view.js';
import type { Interval } from '../src/exchange/intervals.js';
import { AlertsPanel, openAlerts } from './AlertsPanel.js';
import { BackupsPanel } from './BackupsPanel.js';
import { CommandLine } from './CommandLine.js';
import { ConfirmBar } from './ConfirmBar.js';
import { CoveragePanel } from './CoveragePanel.js';
import { DaemonPanel } from './DaemonPanel.js';
import { daemonHostElsewhere } from '../src/console/daemon-elsewhere.js';
import { DetailView, logViewRows } from './DetailView.js';
import { displayRows, filterLines } from '../src/console/log-scroll.js';
import { consoleLayout } from '../src/console/layout.js';
import { Footer, NoticeLine } from './Footer.js';
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
import { IncidentBadge, incidentBadgeText } from './IncidentBadge.js';
import { RunbookList } from './RunbookList.js';
import { Wizard } from './Wizard.js';
import { WizardFooter, WizardHelp } from './WizardFooter.js';

interface Props {
  store: ConsoleStore;
  actions: ConsoleActions;
  intervals: readonly Interval[];
  noColor: boolean;
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

export function App({ store, actions, intervals, noColor, onExit, wizard, drill = null, starting = false }: Props): React.JSX.Element {
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
  const { write: writeStdout } = useStdout();
  const { columns, rows } = useTerminalSize();
  const [view, setView] = useState<ViewState>(initialView);
  // The lists as the panels show them, through their `/` filters: the selection counts in these.
  const allJobs = model.engine?.jobs ?? [];
  const jobs = filterJobs(allJobs, view.jobFilter);
  const alerts = filterAlerts(openAlerts(model.alerts), view.alertFilter);
  const series = model.health?.freshness ?? [];
  const selectedJob = jobs[view.rows.jobs]?.name ?? null;

  const runs = useMemo(
    () => (view.detail === 'jobs' && selectedJob ? actions.jobRuns(selectedJob) : []),
    [view.detail, selectedJob, model.engine, actions],
  );

  // The host of the run selected under a job's runs (ids are per host when runs come from every host).
  const runHost = useRef<string | null>(null);
  // The selected run's log under a job's runs, and the run opened in the log view: any run, not only the newest.
  const runLog = useMemo(() => {
    if (view.detail === 'jobs') runHost.current = runs[view.detailRow]?.host ?? null;
    const id = view.detail === 'log' ? view.logRun : view.detail === 'jobs' ? runs[view.detailRow]?.id ?? null : null;
    return id === null ? null : actions.runLog(id, runHost.current);
  }, [view.detail, view.logRun, view.detailRow, runs, model.log, actions]);
  const logWidth = columns - 4;
  const layout = consoleLayout({
    rows, jobs: allJobs.length, notice: model.notice !== null,
    healthProblem: healthRowProbes(model.health).some((p) => p.status !== 'ok'),
  });
  const { height, compact } = layout;
  // Rows between the header and the footer (and the notice's line, when there is one).
  const detailHeight = height - 2 - (layout.noticeRow ? 1 : 0);
  // A zoomed panel's rows, and the rows the Jobs and Alerts lists show.
  const zoomRows = detailHeight - 3;
  const listRows = view.zoom ? zoomRows : layout.bottom.kind === 'stacked' ? layout.bottom.topRows : layout.bottomRows;

  // The Log panel follows the focus: the selected job's runs under Jobs, the backup job's under
  // Backups, the daemon's log under Heartbeat, the engine's elsewhere; its title says which.
  // A daemon that runs with the leader on another host has no log here worth following.
  const hasDaemon = Boolean(model.engine?.daemon) && daemonHostElsewhere(model.engine) === null;
  const jobNames = allJobs.map((j) => j.name).join('\n');
  useEffect(() => {
    const source = logSourceFor(view.panel, selectedJob, jobNames.split('\n'), hasDaemon);
    if (source) actions.followLog(source);
  }, [view.panel, selectedJob, jobNames, hasDaemon, actions]);

  // What the details of Heartbeat and Backups list: read while one is open, again when the daemon's
  // status changes (the supervisor reports each start, exit and sample) or the catalog is read
  // again (every 30 s, and as soon as a job ends).
  const backupList = useMemo(() => (view.detail === 'backups' ? actions.backupList() : []), [view.detail, model.backups, actions]);
  const daemonEvents = useMemo(() => (view.detail === 'daemon' && hasDaemon ? actions.daemonEvents() : []), [view.detail, model.engine?.daemon, hasDaemon, actions]);
  const coverage = useMemo(() => (view.detail === 'coverage' ? coverageRows(model.health) : []), [view.detail, model.health]);

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
      if (!detail) return 1;
      if (panel === 'coverage') return coverage.length;
      if (panel === 'daemon') return daemonEvents.length;
      if (panel === 'resources') return resourceRows(model.resources).length;
      if (panel === 'backups') return backupList.length;
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
    logSize: (s) => ({ total: displayRows(filterLines((runLog ?? model.log).lines, s.logFilter), s.log.wrap, logWidth).length, height: logViewRows(detailHeight) }),
    pageSize: (s) => (s.detail === 'jobs' ? Math.max(2, Math.floor((detailHeight - 4) / 2)) : s.detail ? detailHeight - 5 : listRows),
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
    if (current.command !== null && name !== 'ctrl-c') {
      const [next, effect] = editCommand(current, input, key, ctx);
      apply(next);
      perform(effect, current);
      return;
    }
    if (tooSmall && name !== 'q' && name !== 'ctrl-c') return;
    const action = actionFor(name, tooSmall ? 'main' : scope(current));
    if (!action) return;
    const [next, effect] = reduce(current, action, ctx, name);
    apply(next);
    perform(effect, current);
  };

  /** Does what a key's effect asks of the engine, the alerts, the terminal or the wizard. */
  const perform = (effect: Effect, current: ViewState) => {
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
        // Through Ink: it clears its frame, writes this, and draws the last frame again whole
        // (clearing behind its back left a blank screen until something changed).
        writeStdout(CLEAR_SCREEN);
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
    if (input.length <= 1 || key.ctrl || key.meta) {
      press(input, key);
      return;
    }
    // Several characters in one chunk (a paste, fast typing, a slow link) are several keys, and
    // what is typed into a prompt ends at its Enter: the keys after it act as keys.
    const typing = () => viewRef.current.filtering || viewRef.current.command !== null
      || (wizardActive() && wizardScope(wizRef.current, wizard!.getSnapshot().run) === 'wizard-type');
    feedChunk(input, typing, press);
  }, { isActive: !starting });

  // Where one is in a detail, for the footer: the panel, then what is selected or opened there.
  const crumb = (() => {
    if (view.detail === 'log') return view.logRun === null ? breadcrumb('log', model.log.title) : breadcrumb('jobs', selectedJob, `run ${view.logRun}`, 'log');
    if (view.detail === 'jobs') return breadcrumb('jobs', selectedJob);
    if (view.detail === 'alerts') return breadcrumb('alerts', viewedAlert.current?.rule);
    if (view.detail === 'freshness') return breadcrumb('freshness', view.filter ? `filter ${view.filter}` : null);
    if (view.detail === 'coverage') { const r = coverage[view.detailRow]; return breadcrumb('coverage', r ? `${r.symbol} ${r.interval}` : null); }
    if (view.detail === 'daemon') { const e = eventRows(daemonEvents)[view.detailRow]; return breadcrumb('daemon', e ? `${e.kind} ${new Date(e.at).toISOString().slice(11, 19)}` : null); }
    if (view.detail === 'backups') { const b = backupList[view.detailRow]; return breadcrumb('backups', b ? backupLabel(b) : null); }
    if (view.detail) return breadcrumb(view.detail);
    // The main view's focus shows as ▶ and a double border; its footer has no room to spare at 80 columns.
    return null;
  })();
  const footerCrumb = fitCrumb(crumb, columns, footerWidth(scope(view)));


  const bottomRows = layout.bottomRows;
  const freshness = (worstLine: boolean) => (
    <FreshnessPanel health={model.health} intervals={intervals} filter={view.filter} filtering={view.filtering && listFilterOf(view) === null}
      focused={view.panel === 'freshness'} width={columns - 4} criticalMs={model.freshnessCriticalMs} note={model.healthNote} worstLine={worstLine} />
  );
  const jobsPanel = (jobRows?: number) => <JobsPanel model={model} focused={view.panel === 'jobs'} selected={view.rows.jobs} rows={jobRows}
    filter={view.jobFilter} filtering={view.filtering && listFilterOf(view) === 'jobFilter'} />;
  const alertsPanel = (alertRows: number) => <AlertsPanel alerts={model.alerts} starting={model.engine === null} focused={view.panel === 'alerts'} selected={view.rows.alerts} rows={alertRows}
    filter={view.alertFilter} filtering={view.filtering && listFilterOf(view) === 'alertFilter'} />;
  const logPanel = (logRows: number) => <LogPanel log={model.log} focused={view.panel === 'log'} rows={logRows} />;
  // z: the focused panel alone, on every row between the header and the footer. One entry a
  // panel: a panel added to the focus ring must say how it zooms, or this does not compile.
  const zoomViews: Record<FocusPanel, () => React.JSX.Element> = {
    freshness: () => freshness(true),
    jobs: () => jobsPanel(),
    alerts: () => alertsPanel(listRows),
    log: () => logPanel(zoomRows),
    coverage: () => <CoveragePanel health={model.health} focused />,
    daemon: () => <DaemonPanel engine={model.engine} start={model.daemonStart} focused />,
    resources: () => <ResourcesPanel resources={model.resources} width={columns} focused />,
    backups: () => <BackupsPanel backups={model.backups} replication={replicationView(model.health?.probes)} focused />,
  };
  const bottom = layout.bottom.kind === 'stacked' ? (
    // A tall terminal: Jobs as tall as its list beside the Alerts, the Log across the whole width under them.
    <Box flexGrow={1} flexDirection="column">
      <Box height={layout.bottom.topRows + 3} flexShrink={0}>
        <Box width="45%">{jobsPanel(layout.bottom.topRows)}</Box>
        <Box width="55%">{alertsPanel(layout.bottom.topRows)}</Box>
      </Box>
      <Box flexGrow={1}>{logPanel(layout.bottom.logRows)}</Box>
    </Box>
  ) : (
    <Box flexGrow={1}>
      {/* At 80 columns the jobs take two columns of names: a little more width keeps them whole. */}
      <Box width={compact ? '45%' : '40%'}>{jobsPanel(bottomRows)}</Box>
      <Box width={compact ? '27%' : '30%'}>{alertsPanel(bottomRows)}</Box>
      <Box width={compact ? '28%' : '30%'}>{logPanel(bottomRows)}</Box>
    </Box>
  );
  const content = tooSmall ? <TooSmall columns={columns} rows={rows} /> : (
    // Keyed by `compact`: Ink does not take back a border the layout drops (a shrink to under 30
    // rows left the heatmap's bottom border's row in place of its 4h row), a fresh tree does.
    <Box key={compact ? 'compact' : 'full'} flexDirection="column" width={columns} height={height}>
      <Header model={model} drill={drill} columns={columns} badge={wiz.incidents.length > 0 ? <IncidentBadge incidents={wiz.incidents} /> : null}
        badgeWidth={Array.from(incidentBadgeText(wiz.incidents) ?? '').length} />
      {wizardShown ? (
        wizView.help ? <WizardHelp />
          : wizView.screen === 'runbooks' || !wiz.run ? <RunbookList runbooks={wiz.runbooks} incidents={wiz.incidents} selected={wizView.row} height={detailHeight} />
          : <Wizard run={wiz.run} typed={wizView.typed} width={columns} height={detailHeight} />
      ) : view.help ? <HelpOverlay scope={scopeOf(view, true)} height={detailHeight} /> : view.detail ? (
        <DetailView panel={view.detail} model={model} row={view.detailRow} height={detailHeight} filter={view.filter}
          job={selectedJob} runs={runs} hosts={actions.runsAcrossHosts?.() ?? false} alert={viewedAlert.current} runLog={runLog} log={view.log} width={logWidth}
          logFilter={view.logFilter} filtering={view.filtering} backups={backupList} daemonEvents={daemonEvents} />
      ) : view.zoom ? (
        <Box flexDirection="column" height={detailHeight}>{zoomViews[view.panel]()}</Box>
      ) : (
        <>
          {layout.healthRow ? <HealthRow health={model.health} /> : null}
          <Box height={layout.freshness} flexShrink={0} flexDirection="column">
            {freshness(!compact)}
          </Box>
          {/* Fixed shares, so a long line in one panel never squeezes its neighbours. */}
          <Box height={layout.middle} flexShrink={0}>
            <Box width="25%"><CoveragePanel health={model.health} focused={view.panel === 'coverage'} /></Box>
            <Box width="25%"><DaemonPanel engine={model.engine} start={model.daemonStart} focused={view.panel === 'daemon'} /></Box>
            <Box width="25%"><ResourcesPanel resources={model.resources} width={Math.floor(columns / 4)} focused={view.panel === 'resources'} /></Box>
            <Box width="25%"><BackupsPanel backups={model.backups} replication={replicationView(model.health?.probes)} focused={view.panel === 'backups'} /></Box>
          </Box>
          {bottom}
        </>
      )}
      {view.confirm && !wizardShown ? <ConfirmBar confirm={view.confirm} /> : null}
      {model.notice ? <NoticeLine notice={model.notice} /> : null}
      {wizardShown ? <WizardFooter scope={wizScope} skippable={wiz.run?.prompt?.kind === 'step' ? wiz.run.prompt.skippable : false} />
        : view.command !== null ? <CommandLine text={view.command} error={view.commandError} />
        : <Footer scope={scope(view)} crumb={footerCrumb} />}
    </Box>
  );
  return <ThemeProvider noColor={noColor}><CompactContext.Provider value={compact}>{content}</CompactContext.Provider></ThemeProvider>;
}
