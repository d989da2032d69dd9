import { describe, expect, it } from 'vitest';
import { backupLabel, coverageRows, eventCounts, eventRows, eventText, resourceRows, seriesStats, sizeText, utcMinute, verificationOf, windowed } from '../../src/console/details.js';
import type { DaemonEvent } from '../../src/engine/supervisor/daemon-store.js';
import { health } from '../helpers/console-fixtures.js';

const T = Date.UTC(2026, 10, 30, 2, 0);

describe('the detail views\' rows', () => {
  it('coverage: missing series first, then the most candles missing, then by name and interval length; known gaps apart', () => {
    const h = health((s) => (s.symbol === 'ETHUSDT' && s.interval === '4h' ? { lastOpenTime: null, ageMs: null, status: 'critical' } : {}));
    h.gaps = [
      { symbol: 'S05USDT', interval: '1h', fromOpenTime: T, toOpenTime: T + 3_600_000, missing: 2 },
      { symbol: 'S05USDT', interval: '1h', fromOpenTime: T + 7_200_000, toOpenTime: T + 7_200_000, missing: 1 },
      { symbol: 'BTCUSDT', interval: '1d', fromOpenTime: T, toOpenTime: T, missing: 1 },
    ];
    h.knownGaps = [{ symbol: 'BTCUSDT', interval: '1d', fromOpenTime: T, toOpenTime: T, missing: 1, confirmedAt: T }];
    const rows = coverageRows(h);
    expect(rows).toHaveLength(240);
    expect(rows[0]).toMatchObject({ symbol: 'ETHUSDT', interval: '4h', stored: false, status: 'critical' });
    expect(rows[1]).toMatchObject({ symbol: 'S05USDT', interval: '1h', gaps: 2, missingCandles: 3, status: 'warn' });
    expect(rows[2]).toMatchObject({ symbol: 'BTCUSDT', interval: '1d', gaps: 1, missingCandles: 1, knownGaps: 1 });
    expect(rows.slice(3, 7).map((r) => `${r.symbol} ${r.interval}`)).toEqual(['BTCUSDT 15m', 'BTCUSDT 1h', 'BTCUSDT 4h', 'ETHUSDT 15m']);
    expect(coverageRows(null)).toEqual([]);
  });

  it('heartbeat: events newest first, exit code and reasons before the rest, durations readable, severities by kind', () => {
    const events: DaemonEvent[] = [
      { at: T, name: 'backtest', kind: 'start', detail: { pid: 42, startTicks: 9, command: ['node', 'bt.js'], adopted: false } },
      { at: T + 1000, name: 'backtest', kind: 'crash', detail: { pid: 42, code: 3, signal: null, uptimeMs: 61_000 } },
      { at: T + 2000, name: 'backtest', kind: 'restart', detail: { attempt: 2, delayMs: 300 } },
    ];
    const rows = eventRows(events);
    expect(rows.map((r) => [r.kind, r.severity])).toEqual([['restart', 'warn'], ['crash', 'critical'], ['start', 'ok']]);
    expect(rows[1]!.text).toBe('code=3 uptimeMs=1m pid=42');
    expect(rows[2]!.text).toBe('pid=42 command=["node","bt.js"] adopted=false');
    expect(eventText(null)).toBe('');
    expect(eventCounts(events)).toEqual({ restarts: 1, crashes: 1 });
  });

  it('CPU/RAM: now, min, average and max per series; a row a minute, newest first, each the average of its samples', () => {
    const at = (min: number, sec = 0) => T + min * 60_000 + sec * 1000;
    const history = {
      hostCpu: [{ at: at(0), value: 10 }, { at: at(0, 30), value: 30 }, { at: at(2), value: 50 }],
      hostMemBytes: [{ at: at(0), value: 2 ** 30 }],
      hostMemTotalBytes: 2 ** 32,
      daemonCpu: [],
      daemonRssBytes: [{ at: at(2, 10), value: 40 * 2 ** 20 }],
    };
    expect(seriesStats(history.hostCpu)).toEqual({ now: 50, min: 10, avg: 30, max: 50 });
    expect(seriesStats([])).toEqual({ now: null, min: null, avg: null, max: null });
    expect(resourceRows(history)).toEqual([
      { at: at(2), hostCpu: 50, hostMemBytes: null, daemonCpu: null, daemonRssBytes: 40 * 2 ** 20 },
      { at: at(0), hostCpu: 20, hostMemBytes: 2 ** 30, daemonCpu: null, daemonRssBytes: null },
    ]);
    expect(resourceRows(null)).toEqual([]);
  });

  it('backups: named by tier and time taken; verified, failed, or never verified (never read as fine)', () => {
    expect(backupLabel({ tier: 'hot', createdAt: T })).toBe('hot 2026-11-30 02:00');
    expect(verificationOf({ result: 'verified', verifiedAt: T })).toEqual({ status: 'ok', word: 'verified' });
    expect(verificationOf({ result: 'failed', verifiedAt: T })).toEqual({ status: 'critical', word: 'failed' });
    expect(verificationOf({ result: 'verified', verifiedAt: null })).toEqual({ status: 'unknown', word: 'unverified' });
  });

  it('figures and windows: sizes, minutes in UTC, and the slice of a long list that keeps the selection on screen', () => {
    expect([null, 0, 500, 300 * 2 ** 10, 5 * 2 ** 20, 1.25 * 2 ** 30].map(sizeText)).toEqual(['-', '0K', '1K', '300K', '5M', '1.3G']);
    expect(utcMinute(T + 59_000)).toBe('2026-11-30 02:00');
    const items = Array.from({ length: 20 }, (_, i) => i);
    expect(windowed(items, 0, 5)).toEqual({ items: [0, 1, 2, 3, 4], offset: 0 });
    expect(windowed(items, 10, 5)).toEqual({ items: [8, 9, 10, 11, 12], offset: 8 });
    expect(windowed(items, 19, 5)).toEqual({ items: [15, 16, 17, 18, 19], offset: 15 });
    expect(windowed(items.slice(0, 3), 2, 5)).toEqual({ items: [0, 1, 2], offset: 0 });
  });
});
