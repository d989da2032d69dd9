import { describe, expect, it } from 'vitest';
import { parseConsoleLogLine, parseJobLogLine } from '../../src/health/probes/log-lines.js';
import { judgeLogs, type ErrorLine } from '../../src/health/probes/logs.js';
import { HOUR, MIN, pinoLine } from './helpers.js';

const NOW = Date.UTC(2026, 10, 25, 12, 0, 0);

describe('log lines', () => {
  it('reads pino lines: level 50 and up is an error', () => {
    expect(parseConsoleLogLine(pinoLine(NOW, 50, 'scheduling failed'))).toEqual({ at: NOW, error: true, message: 'scheduling failed' });
    expect(parseConsoleLogLine(pinoLine(NOW, 40, 'lost the lease'))).toEqual({ at: NOW, error: false, message: 'lost the lease' });
    expect(parseConsoleLogLine(JSON.stringify({ level: 60, time: NOW, msg: 'boom', err: { message: 'EIO' } }))).toEqual({ at: NOW, error: true, message: 'boom: EIO' });
    expect(parseConsoleLogLine('not json')).toBeNull();
  });

  it('reads job log lines: stderr is an error, and so is a pino error on stdout', () => {
    const at = new Date(NOW).toISOString();
    expect(parseJobLogLine(`${at} err cfa-console: error: HTTP 502`)).toEqual({ at: NOW, error: true, message: 'cfa-console: error: HTTP 502' });
    expect(parseJobLogLine(`${at} out {"event":"series","symbol":"BTCUSDT"}`)).toMatchObject({ at: NOW, error: false });
    expect(parseJobLogLine(`${at} out ${pinoLine(NOW, 50, 'db failed')}`)).toMatchObject({ error: true, message: 'db failed' });
    expect(parseJobLogLine(`${at} runner failed, exit code 1, 20 ms`)).toMatchObject({ error: false });
    expect(parseJobLogLine('garbage')).toBeNull();
  });
});

describe('judgeLogs', () => {
  const base = { logsDir: '/d/logs', files: 3, newestActivityAt: NOW - 5 * MIN, errors: [] as ErrorLine[], now: NOW, windowMs: 10 * MIN, activityMaxAgeMs: 26 * HOUR, errorsPerMinuteWarn: 5 };
  const errors = (n: number): ErrorLine[] => Array.from({ length: n }, (_, i) => ({ at: NOW - i * 1000, file: i % 3 ? 'cfa-console.log' : 'jobs/sync/7.log', message: `e${i}` }));

  it('is ok with recent activity and few errors', () => {
    const p = judgeLogs({ ...base, errors: errors(10) });
    expect(p).toMatchObject({ id: 'logs', status: 'ok', value: 1, unit: 'per-minute', threshold: { warn: 5 } });
    expect(p.detail).toBe('last activity 5m ago; 10 error lines in the last 10m (1.0/min)');
  });

  it('warns above 5 error lines a minute, naming the noisiest files', () => {
    const p = judgeLogs({ ...base, errors: errors(60) });
    expect(p.status).toBe('warn');
    expect(p.value).toBe(6);
    expect(p.offenders.map((o) => [o.name, o.value])).toEqual([['cfa-console.log', 40], ['jobs/sync/7.log', 20]]);
    expect(p.offenders[0]!.detail).toBe('40 error lines, newest: e1');
  });

  it('warns with no activity for over 26 h, and has no verdict without logs', () => {
    expect(judgeLogs({ ...base, newestActivityAt: NOW - 27 * HOUR }).status).toBe('warn');
    expect(judgeLogs({ ...base, files: 0, newestActivityAt: null }).status).toBe('unknown');
  });
});
