import { describe, expect, it } from 'vitest';
import { decideRestart, restartPolicyFromConfig, type RestartPolicy } from '../../../src/engine/supervisor/restart-policy.js';

const HOUR = 3_600_000;
const policy: RestartPolicy = { maxCrashes: 3, crashWindowMs: 24 * HOUR, restartBackoffMs: 5_000, restartBackoffMaxMs: 300_000 };
const now = 1_000 * HOUR;

describe('decideRestart', () => {
  it('doubles the delay per crash inside the window and stops at maxCrashes', () => {
    expect(decideRestart([now], now, policy)).toEqual({ action: 'restart', delayMs: 5_000 });
    expect(decideRestart([now - HOUR, now], now, policy)).toEqual({ action: 'restart', delayMs: 10_000 });
    expect(decideRestart([now - 2 * HOUR, now - HOUR, now], now, policy)).toEqual({ action: 'crash-loop' });
  });

  it('caps the delay at restartBackoffMax', () => {
    const many = { ...policy, maxCrashes: 20 };
    const times = Array.from({ length: 10 }, (_, i) => now - i * 1000);
    expect(decideRestart(times, now, many)).toEqual({ action: 'restart', delayMs: 300_000 });
    const huge = Array.from({ length: 19 }, (_, i) => now - i);
    expect(decideRestart(huge, now, { ...many, maxCrashes: 2000 })).toEqual({ action: 'restart', delayMs: 300_000 });
  });

  it('forgets crashes older than the window', () => {
    const old = [now - 25 * HOUR, now - 24 * HOUR];
    expect(decideRestart([...old, now], now, policy)).toEqual({ action: 'restart', delayMs: 5_000 });
  });

  it('restarts at the base delay when there is no crash on record', () => {
    expect(decideRestart([], now, policy)).toEqual({ action: 'restart', delayMs: 5_000 });
  });

  it('maxCrashes 1 means the first crash is the crash-loop', () => {
    expect(decideRestart([now], now, { ...policy, maxCrashes: 1 })).toEqual({ action: 'crash-loop' });
  });

  it('reads the daemon config durations', () => {
    expect(restartPolicyFromConfig({ maxCrashes: 3, crashWindow: '24h', restartBackoff: '5s', restartBackoffMax: '5m' }))
      .toEqual(policy);
  });
});
