import { describe, expect, it } from 'vitest';
import type { AlertState } from '../../src/alerts/types.js';
import type { BackupResult, DrillResult, RecoveryResult, RunResult } from '../../src/backup/catalog.js';
import type { StepStatus } from '../../src/common/step-log.js';
import { SEVERITIES } from '../../src/config/sections/alerts.js';
import type { RunStatus } from '../../src/engine/run-history.js';
import type { DaemonStateName } from '../../src/engine/supervisor/daemon-store.js';
import type { HealthStatus } from '../../src/health/types.js';
import {
  HEATMAP_CELL, isKnownStatus, SEVERITY_COLOUR, SEVERITY_SYMBOL, severityOf, STATUS_WORDS, statusEntry, statusMark, type Severity,
} from '../../src/status/vocabulary.js';

// Records over the project's own status types: adding a word to one of them without deciding its
// severity here fails the typecheck, and the test below then fails until the vocabulary has it.
const RUN: Record<RunStatus, true> = { running: true, success: true, partial: true, failed: true, timeout: true, skipped: true, cancelled: true };
const DAEMON: Record<DaemonStateName, true> = { stopped: true, starting: true, running: true, hung: true, backoff: true, 'crash-loop': true, paused: true };
const ALERT_STATE: Record<AlertState, true> = { pending: true, firing: true, resolved: true };
const HEALTH: Record<HealthStatus, true> = { ok: true, warn: true, critical: true, unknown: true, 'never-synced': true };
const STEP: Record<StepStatus, true> = { ok: true, warn: true, failed: true, skipped: true };
const BACKUP: Record<BackupResult | RunResult | DrillResult | RecoveryResult, true> = {
  verified: true, failed: true, 'not-configured': true, ok: true, 'no-backup': true, partial: true, 'not-needed': true,
};

const used = [RUN, DAEMON, ALERT_STATE, HEALTH, STEP, BACKUP].flatMap((r) => Object.keys(r)).concat(SEVERITIES, ['never', 'deleted', 'unchecked']);

describe('the status vocabulary', () => {
  it.each(used)('has an entry for %j', (word) => {
    expect(isKnownStatus(word)).toBe(true);
  });

  it('lists each word once, so no word has two meanings', () => {
    const words = Object.values(STATUS_WORDS).flatMap((g) => Object.keys(g));
    expect(new Set(words).size).toBe(words.length);
  });

  it('gives every severity its own symbol and colour token', () => {
    const severities = Object.keys(SEVERITY_SYMBOL) as Severity[];
    expect(new Set(severities.map((s) => SEVERITY_SYMBOL[s])).size).toBe(severities.length);
    expect(new Set(severities.map((s) => SEVERITY_COLOUR[s])).size).toBe(severities.length);
    expect(new Set(Object.values(HEATMAP_CELL)).size).toBe(Object.keys(HEATMAP_CELL).length);
  });

  it('an entry carries the symbol and colour of its severity', () => {
    for (const word of used) {
      const e = statusEntry(word);
      expect(e.word).toBe(word);
      expect(e.symbol).toBe(SEVERITY_SYMBOL[e.severity]);
      expect(e.colour).toBe(SEVERITY_COLOUR[e.severity]);
    }
  });

  it('decides the contested words once, as the alert rules do', () => {
    // daemon-heartbeat-stale (a warning) covers a hung daemon; daemon-crash-loop is critical.
    expect(severityOf('hung')).toBe('warn');
    expect(severityOf('crash-loop')).toBe('critical');
    expect(severityOf('warning')).toBe('warn');
    expect(severityOf('critical')).toBe('critical');
    expect(severityOf('info')).toBe('neutral');
    // A skipped run (lock held) is a warning, in the job table and in a backup's steps alike.
    expect(severityOf('skipped')).toBe('warn');
    expect(severityOf('stopped')).toBe('neutral');
  });

  it('keeps the marks the CLI has always printed', () => {
    expect(['success', 'ok', 'running'].map(statusMark)).toEqual(['✔ success', '✔ ok', '✔ running']);
    expect(['partial', 'skipped', 'backoff', 'hung', 'starting'].map(statusMark)).toEqual(['▲ partial', '▲ skipped', '▲ backoff', '▲ hung', '▲ starting']);
    expect(['failed', 'timeout', 'crash-loop', 'cancelled'].map(statusMark)).toEqual(['✖ failed', '✖ timeout', '✖ crash-loop', '✖ cancelled']);
    expect(['warn', 'critical', 'unknown'].map(statusMark)).toEqual(['▲ warn', '✖ critical', '? unknown']);
    expect([null, undefined].map(statusMark)).toEqual(['· never', '· never']);
    expect(statusMark('stopped')).toBe('· stopped');
    expect(statusMark('not-configured')).toBe('· not-configured');
  });

  it('shows a word it does not know quietly, as it is', () => {
    expect(statusEntry('something-new')).toEqual({ word: 'something-new', symbol: '·', severity: 'neutral', colour: 'muted' });
  });
});
