import { describe, expect, it } from 'vitest';
import { humanBytes, humanDuration } from '../../src/health/format-values.js';
import { selectProbes, PROBE_IDS, UnknownProbeError } from '../../src/health/probe-ids.js';
import { healthExitCode, healthMark, judgeAbove, judgeBelow, worstStatus } from '../../src/health/status.js';

describe('overall status and exit codes', () => {
  it('takes the worst status; unknown outranks ok but not a warning', () => {
    expect(worstStatus([])).toBe('ok');
    expect(worstStatus(['ok', 'ok'])).toBe('ok');
    expect(worstStatus(['ok', 'unknown'])).toBe('unknown');
    expect(worstStatus(['unknown', 'warn', 'ok'])).toBe('warn');
    expect(worstStatus(['warn', 'critical', 'unknown'])).toBe('critical');
  });

  it('exits 0 ok, 1 warning or unknown, 2 critical', () => {
    expect([healthExitCode('ok'), healthExitCode('unknown'), healthExitCode('warn'), healthExitCode('critical')]).toEqual([0, 1, 1, 2]);
  });

  it('marks every status with a symbol and a word', () => {
    expect(['ok', 'warn', 'critical', 'unknown'].map((s) => healthMark(s as never))).toEqual(['✔ ok', '▲ warn', '✖ critical', '? unknown']);
  });

  it('judges figures above or below their limits, the limit itself still passing', () => {
    const limits = { warn: 10, critical: 20 };
    expect([judgeAbove(10, limits), judgeAbove(11, limits), judgeAbove(20, limits), judgeAbove(21, limits)]).toEqual(['ok', 'warn', 'warn', 'critical']);
    const floor = { warn: 20, critical: 10 };
    expect([judgeBelow(20, floor), judgeBelow(19, floor), judgeBelow(10, floor), judgeBelow(9, floor)]).toEqual(['ok', 'warn', 'warn', 'critical']);
  });
});

describe('--only ids', () => {
  it('keeps the display order and refuses unknown ids, naming them and the valid ones', () => {
    expect(selectProbes(undefined)).toEqual([...PROBE_IDS]);
    expect(selectProbes(['daemon', 'freshness'])).toEqual(['freshness', 'daemon']);
    expect(() => selectProbes(['freshness', 'frobnicate'])).toThrow(UnknownProbeError);
    expect(() => selectProbes(['frobnicate'])).toThrow(/"frobnicate".*valid ids: freshness, coverage, integrity, size, backup, logs, continuity, disk, last-sync, daemon/);
  });
});

describe('figures for people', () => {
  it('says durations in their two largest units', () => {
    expect(humanDuration(250)).toBe('250ms');
    expect(humanDuration(45_000)).toBe('45s');
    expect(humanDuration(9 * 3_600_000 + 5 * 60_000 + 7000)).toBe('9h 5m');
    expect(humanDuration(26 * 3_600_000)).toBe('1d 2h');
    expect(humanDuration(3_600_000)).toBe('1h');
  });

  it('says sizes in binary units', () => {
    expect(humanBytes(512)).toBe('512 B');
    expect(humanBytes(10 * 1024 * 1024)).toBe('10.0 MB');
  });
});
