import { describe, expect, it } from 'vitest';
import { filterAlerts, filterJobs, filterTitle, noRowMatches } from '../../src/console/list-filter.js';

describe('the jobs\' and alerts\' filter', () => {
  const jobs = [{ name: 'sync' }, { name: 'backup' }, { name: 'backup-drill' }];
  const alerts = [
    { rule: 'sync-failed', summary: 'the last sync failed: HTTP 429' },
    { rule: 'stale-series', summary: 'BTCUSDT 15m is 2h old' },
  ];

  it('keeps the jobs whose name contains the text, any case; an empty filter keeps all', () => {
    expect(filterJobs(jobs, 'BACK').map((j) => j.name)).toEqual(['backup', 'backup-drill']);
    expect(filterJobs(jobs, 'drill').map((j) => j.name)).toEqual(['backup-drill']);
    expect(filterJobs(jobs, '')).toEqual(jobs);
    expect(filterJobs(jobs, 'xyz')).toEqual([]);
  });

  it('keeps the alerts whose rule or summary contains the text', () => {
    expect(filterAlerts(alerts, 'stale')).toEqual([alerts[1]]);
    expect(filterAlerts(alerts, 'btcusdt')).toEqual([alerts[1]]);
    expect(filterAlerts(alerts, '429')).toEqual([alerts[0]]);
    expect(filterAlerts(alerts, 'nothing')).toEqual([]);
  });

  it('says what matched nothing, and shows the prompt\'s cursor while typing', () => {
    expect(noRowMatches('job', 'xyz')).toBe("no job matches 'xyz'");
    expect(noRowMatches('alert', 'disk')).toBe("no alert matches 'disk'");
    expect(filterTitle('sy', true)).toBe('filter: sy▏');
    expect(filterTitle('sy', false)).toBe('filter: sy');
    expect(filterTitle('', false)).toBe('');
  });
});
