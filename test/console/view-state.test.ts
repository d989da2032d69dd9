import { describe, expect, it } from 'vitest';
import { actionFor } from '../../src/console/keymap.js';
import { editFilter, initialView, reduce, scopeOf, type ViewContext, type ViewState } from '../../src/console/view-state.js';

const ctx = (rows: Partial<Record<string, number>> = {}): ViewContext => ({
  rowCount: (panel, detail) => rows[`${panel}${detail ? '-detail' : ''}`] ?? 1,
  selectedJob: () => null,
  runningHere: () => [],
  logSize: () => ({ total: 100, height: 10 }),
  pageSize: () => 5,
});

/** Presses keys by name, through the keymap of the view they land in, as the shell does. */
function press(state: ViewState, keys: string[], c: ViewContext): ViewState {
  return keys.reduce((s, k) => {
    const action = actionFor(k, scopeOf(s));
    return action ? reduce(s, action, c)[0] : s;
  }, state);
}

describe('the view\'s keys', () => {
  it('in the jobs panel: G, g, PgDn, PgUp, End and Home move the selection within the list', () => {
    const c = ctx({ jobs: 8 });
    const jobs = { ...initialView, panel: 'jobs' as const };
    expect(press(jobs, ['G'], c).rows.jobs).toBe(7);
    expect(press(jobs, ['G', 'g'], c).rows.jobs).toBe(0);
    expect(press(jobs, ['pgdn'], c).rows.jobs).toBe(4);
    expect(press(jobs, ['end', 'pgup'], c).rows.jobs).toBe(3);
    expect(press(jobs, ['end', 'home'], c).rows.jobs).toBe(0);
  });

  it('in a job\'s runs and in every series the same keys move the detail\'s row', () => {
    const c = ctx({ 'jobs-detail': 30, 'freshness-detail': 240 });
    expect(press({ ...initialView, panel: 'jobs', detail: 'jobs' }, ['G'], c).detailRow).toBe(29);
    expect(press({ ...initialView, detail: 'freshness' }, ['pgdn', 'pgdn'], c).detailRow).toBe(8);
  });

  it('in the log view they scroll the log', () => {
    const s = press({ ...initialView, detail: 'log' }, ['g'], ctx());
    expect(s.log.top).toBe(0);
    expect(press(s, ['G'], ctx()).log.top).toBeNull();
  });

  it('z zooms the focused panel and z goes back; Tab moves the zoom to the next panel', () => {
    const zoomed = press({ ...initialView, panel: 'jobs' }, ['z'], ctx());
    expect(zoomed.zoom).toBe(true);
    expect(press(zoomed, ['tab'], ctx())).toMatchObject({ zoom: true, panel: 'alerts' });
    expect(press(zoomed, ['z'], ctx()).zoom).toBe(false);
    // Enter opens the detail from the zoom, Esc comes back to it.
    const detail = press(zoomed, ['enter'], ctx());
    expect(detail.detail).toBe('jobs');
    expect(press(detail, ['esc'], ctx())).toMatchObject({ detail: null, zoom: true });
  });

  it('/ in the log view filters its lines, any text, kept on Enter and cleared on leaving', () => {
    let s = press({ ...initialView, detail: 'log' }, ['/'], ctx());
    expect(s.filtering).toBe(true);
    s = editFilter(s, 'err: 429', {});
    expect(s).toMatchObject({ logFilter: 'err: 429', filter: '' });
    s = editFilter(s, '', { return: true });
    expect(s).toMatchObject({ filtering: false, logFilter: 'err: 429', detail: 'log' });
    expect(press(s, ['esc'], ctx()).logFilter).toBe('');
    // Esc in the prompt clears it.
    expect(editFilter({ ...s, filtering: true }, '', { escape: true }).logFilter).toBe('');
  });

  it('/ in the main view filters the symbols, upper-cased, and shows the heatmap', () => {
    let s = press({ ...initialView, panel: 'backups' }, ['/'], ctx());
    expect(s).toMatchObject({ filtering: true, panel: 'freshness' });
    s = editFilter(s, 'btc', {});
    expect(s).toMatchObject({ filter: 'BTC', logFilter: '', jobFilter: '' });
    expect(press({ ...initialView, panel: 'coverage' }, ['/'], ctx()).panel).toBe('freshness');
  });

  it('/ with Jobs focused filters the jobs, any text as typed, the focus staying on Jobs', () => {
    let s = press({ ...initialView, panel: 'jobs', rows: { ...initialView.rows, jobs: 3 } }, ['/'], ctx());
    expect(s).toMatchObject({ filtering: true, panel: 'jobs' });
    // A whole word in one chunk; the selection goes back to the first job the filter keeps.
    s = editFilter(s, 'Back', {});
    expect(s).toMatchObject({ jobFilter: 'Back', filter: '', alertFilter: '', panel: 'jobs' });
    expect(s.rows.jobs).toBe(0);
    s = editFilter(s, '', { return: true });
    expect(s).toMatchObject({ filtering: false, jobFilter: 'Back' });
    // Open again, Esc clears it.
    s = press(s, ['/'], ctx());
    expect(editFilter(s, '', { escape: true })).toMatchObject({ filtering: false, jobFilter: '' });
  });

  it('/ with Alerts focused filters the alerts; in a detail view it is not the list\'s filter', () => {
    let s = press({ ...initialView, panel: 'alerts' }, ['/'], ctx());
    expect(s).toMatchObject({ filtering: true, panel: 'alerts' });
    s = editFilter(s, 'sync', {});
    expect(s).toMatchObject({ alertFilter: 'sync', jobFilter: '', filter: '' });
    s = editFilter(s, '\x7f\x7f', {});
    expect(s.alertFilter).toBe('sy');
    // The freshness detail still filters the symbols, with the focus where it was.
    const detail = press({ ...initialView, panel: 'freshness', detail: 'freshness' }, ['/'], ctx());
    expect(editFilter(detail, 'eth', {})).toMatchObject({ filter: 'ETH', jobFilter: '', alertFilter: '' });
    // The alerts' detail offers no `/`.
    expect(actionFor('/', scopeOf({ ...initialView, panel: 'alerts', detail: 'alerts' }))).toBeNull();
  });
});
