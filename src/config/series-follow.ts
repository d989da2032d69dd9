import fs from 'node:fs';
import { loadConfig, type LoadedConfig } from './load-config.js';

export interface TrackedSeries {
  symbols: readonly string[];
  intervals: readonly string[];
}

export interface SeriesChange {
  added: string[];
  removed: string[];
  intervals: { from: string[]; to: string[] } | null;
}

/** What changed in the tracked symbols and intervals, or null when nothing did. */
export function seriesChange(before: TrackedSeries, after: TrackedSeries): SeriesChange | null {
  const added = after.symbols.filter((s) => !before.symbols.includes(s));
  const removed = before.symbols.filter((s) => !after.symbols.includes(s));
  const sameIntervals = before.intervals.length === after.intervals.length && before.intervals.every((i, n) => after.intervals[n] === i);
  if (!added.length && !removed.length && sameIntervals) return null;
  return { added, removed, intervals: sameIntervals ? null : { from: [...before.intervals], to: [...after.intervals] } };
}

function fileSignature(file: string): string {
  try {
    const st = fs.statSync(file);
    return `${st.ino}/${st.size}/${st.mtimeMs}`;
  } catch {
    return 'absent';
  }
}

/**
 * A long-running leader reads its configuration once, at start; the symbols and intervals it
 * tracks are the one part of it that runbooks and people change while it runs (a delisted symbol
 * removed by the missing-symbols runbook in another process). This follows the file for those two
 * only, into the running config object that the health probes and alert rules read, so the alert
 * clears without a restart. Schedules, channels and the rest still take a restart. A file that
 * no longer validates changes nothing and is reported.
 */
export class SeriesFollower {
  private signature: string;

  constructor(private readonly loaded: LoadedConfig) {
    this.signature = fileSignature(loaded.path);
  }

  /** Reads the file again when it changed; returns what changed in the running config, if anything. */
  check(): { change: SeriesChange } | { error: Error } | null {
    const now = fileSignature(this.loaded.path);
    if (now === this.signature) return null;
    this.signature = now;
    const { config } = this.loaded;
    let fresh: LoadedConfig['config'];
    try {
      fresh = loadConfig({ configPath: this.loaded.path, dataDir: config.dataDir, exchangeUrl: config.exchange.url }).config;
    } catch (error) {
      return { error: error as Error };
    }
    const change = seriesChange(config, fresh);
    if (!change) return null;
    config.symbols = fresh.symbols;
    config.intervals = fresh.intervals;
    return { change };
  }
}
