import fs from 'node:fs';
import os from 'node:os';
import type { Db } from '../store/sqlite.js';

/** The `process` name under which host-wide figures are stored. */
export const HOST = 'host';

const DAY_MS = 86_400_000;
const PRUNE_EVERY_MS = 3_600_000;
/** The first sample's delay after start: the interval the first host CPU figure is measured over. */
const FIRST_SAMPLE_MS = 500;

/** Cumulative CPU time of the whole host, from the first line of /proc/stat (in clock ticks). */
export interface CpuTimes {
  idle: number;
  total: number;
}

export function readCpuTimes(): CpuTimes | null {
  try {
    const line = fs.readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
    if (!line.startsWith('cpu ')) return null;
    const v = line.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal; guest time is already counted in user.
    const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = v;
    return { idle: idle + iowait, total: user + nice + system + idle + iowait + irq + softirq + steal };
  } catch {
    return null;
  }
}

/** Busy share of all cores between two readings, 0-100; null when no time passed. */
export function cpuPercentBetween(previous: CpuTimes, next: CpuTimes): number | null {
  const total = next.total - previous.total;
  if (total <= 0) return null;
  const busy = total - (next.idle - previous.idle);
  return Math.min(100, Math.max(0, (busy / total) * 100));
}

export interface HostMemory {
  totalBytes: number;
  /** Total minus what is available to new work (MemAvailable), so page cache is not "used". */
  usedBytes: number;
}

export function readHostMemory(): HostMemory {
  try {
    const info = fs.readFileSync('/proc/meminfo', 'utf8');
    const kb = (key: string): number | null => {
      const m = new RegExp(`^${key}:\\s+(\\d+)\\s*kB`, 'm').exec(info);
      return m ? Number(m[1]) * 1024 : null;
    };
    const total = kb('MemTotal');
    const available = kb('MemAvailable');
    if (total !== null && available !== null) return { totalBytes: total, usedBytes: total - available };
  } catch {
    // Not Linux, or /proc is hidden: the os module's figures count page cache as used, but exist.
  }
  return { totalBytes: os.totalmem(), usedBytes: os.totalmem() - os.freemem() };
}

export interface HostSample {
  at: number;
  /** Over the interval since `previous`; null for a first reading (there is no interval yet). */
  cpuPercent: number | null;
  memUsedBytes: number;
  memTotalBytes: number;
  /** Pass back as `previous` on the next call. */
  cpuTimes: CpuTimes | null;
}

export function sampleHost(previous: CpuTimes | null = null, at = Date.now()): HostSample {
  const cpuTimes = readCpuTimes();
  const memory = readHostMemory();
  return {
    at,
    cpuPercent: previous && cpuTimes ? cpuPercentBetween(previous, cpuTimes) : null,
    memUsedBytes: memory.usedBytes,
    memTotalBytes: memory.totalBytes,
    cpuTimes,
  };
}

export interface ProcessSample {
  at: number;
  pid: number;
  /** Percent of one core since the previous sample of this PID (above 100 with several threads). */
  cpuPercent: number;
  rssBytes: number;
}

/** Null when the process is gone (or cannot be read). */
export async function sampleProcess(pid: number, at = Date.now()): Promise<ProcessSample | null> {
  try {
    // Loaded on the first sample: `health` imports this module for its pure parts (sustainedAbove).
    const { default: pidusage } = await import('pidusage');
    const stat = await pidusage(pid);
    return { at, pid, cpuPercent: stat.cpu, rssBytes: stat.memory };
  } catch {
    return null;
  }
}

/** One row of `resource_samples`; for the host, `rssBytes` is the host's memory in use. */
export interface StoredSample {
  at: number;
  process: string;
  pid: number | null;
  cpuPercent: number | null;
  rssBytes: number | null;
}

export function recordSample(db: Db, sample: StoredSample): void {
  db.prepare('INSERT INTO resource_samples (at, process, pid, cpu_percent, rss_bytes) VALUES (?, ?, ?, ?, ?)')
    .run(sample.at, sample.process, sample.pid, sample.cpuPercent, sample.rssBytes);
}

/** Samples of one process at or after `since`, oldest first. */
export function samplesSince(db: Db, processName: string, since: number): StoredSample[] {
  const rows = db.prepare(
    'SELECT at, process, pid, cpu_percent, rss_bytes FROM resource_samples WHERE process = ? AND at >= ? ORDER BY at',
  ).all(processName, since) as { at: number; process: string; pid: number | null; cpu_percent: number | null; rss_bytes: number | null }[];
  return rows.map((r) => ({ at: r.at, process: r.process, pid: r.pid, cpuPercent: r.cpu_percent, rssBytes: r.rss_bytes }));
}

/** Deletes samples older than `olderThan` (default: keep the last 24 h); returns how many. */
export function pruneSamples(db: Db, olderThan = Date.now() - DAY_MS): number {
  return db.prepare('DELETE FROM resource_samples WHERE at < ?').run(olderThan).changes;
}

/**
 * True when the newest sample is above `limit` and the unbroken run of samples above it reaches
 * back at least `forMs`. An unknown value (null) or a gap wider than `maxGapMs` (the sampler was
 * not running, so nobody knows what happened) breaks the run.
 */
export function sustainedAbove(
  samples: readonly { at: number; value: number | null }[], limit: number, forMs: number, maxGapMs = Infinity,
): boolean {
  const sorted = [...samples].sort((a, b) => a.at - b.at);
  const above = (s: { value: number | null } | undefined): boolean => s !== undefined && s.value !== null && s.value > limit;
  const last = sorted.at(-1);
  if (!last || !above(last)) return false;
  let start = last.at;
  for (let i = sorted.length - 2; i >= 0; i--) {
    const s = sorted[i]!;
    if (!above(s) || start - s.at > maxGapMs) break;
    start = s.at;
  }
  return last.at - start >= forMs;
}

export interface ResourceSamplerOptions {
  /** Samples are recorded to `resource_samples` when given. */
  db?: Db;
  sampleEvery: number;
  /** Also sample the host (default true). */
  host?: boolean;
  /** Samples older than this are pruned about hourly (default 24 h). */
  retainMs?: number;
  now?: () => number;
  onSample?: (sample: StoredSample) => void;
  onError?: (error: unknown) => void;
}

/**
 * Samples the host and the watched processes every `sampleEvery`, records them and keeps the
 * latest of each in memory, so the views and the supervisor read figures without touching /proc.
 */
export class ResourceSampler {
  private readonly watched = new Map<string, number>();
  private readonly latestByName = new Map<string, StoredSample>();
  private hostCpu: CpuTimes | null = null;
  private lastHost: HostSample | null = null;
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private lastPruneAt = 0;
  private readonly now: () => number;

  constructor(private readonly options: ResourceSamplerOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Samples `pid` under `name` from now on; null stops sampling it and forgets its figures. */
  watch(name: string, pid: number | null): void {
    if (pid === null) {
      this.watched.delete(name);
      this.latestByName.delete(name);
      return;
    }
    if (this.watched.get(name) !== pid) this.latestByName.delete(name);
    this.watched.set(name, pid);
  }

  get sampleEveryMs(): number {
    return this.options.sampleEvery;
  }

  latest(name: string): StoredSample | null {
    return this.latestByName.get(name) ?? null;
  }

  latestHost(): HostSample | null {
    return this.lastHost;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    const loop = (): void => {
      void this.sampleOnce().finally(() => {
        if (this.running) this.timer = setTimeout(loop, this.options.sampleEvery);
      });
    };
    // Host CPU is a difference of two readings: take the first now and the first sample within
    // half a second, so the views show a figure from the start instead of `-` for a whole period.
    if ((this.options.host ?? true) && this.hostCpu === null && (this.hostCpu = readCpuTimes()) !== null) {
      this.timer = setTimeout(loop, Math.min(FIRST_SAMPLE_MS, this.options.sampleEvery));
    } else {
      loop();
    }
  }

  stop(): void {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Takes one round of samples; never rejects (errors go to onError). */
  async sampleOnce(): Promise<void> {
    try {
      const at = this.now();
      if (this.options.host ?? true) {
        const host = sampleHost(this.hostCpu, at);
        this.hostCpu = host.cpuTimes;
        this.lastHost = host;
        this.keep({ at, process: HOST, pid: null, cpuPercent: host.cpuPercent, rssBytes: host.memUsedBytes });
      }
      const entries = [...this.watched];
      const results = await Promise.all(entries.map(([, pid]) => sampleProcess(pid, at)));
      entries.forEach(([name, pid], i) => {
        // Watching may have moved to another PID while pidusage was reading this one.
        if (this.watched.get(name) !== pid) return;
        const s = results[i];
        if (s) this.keep({ at, process: name, pid, cpuPercent: s.cpuPercent, rssBytes: s.rssBytes });
        else this.latestByName.delete(name);
      });
      if (this.options.db && at - this.lastPruneAt >= PRUNE_EVERY_MS) {
        this.lastPruneAt = at;
        pruneSamples(this.options.db, at - (this.options.retainMs ?? DAY_MS));
      }
    } catch (error) {
      this.options.onError?.(error);
    }
  }

  private keep(sample: StoredSample): void {
    this.latestByName.set(sample.process, sample);
    if (this.options.db) recordSample(this.options.db, sample);
    this.options.onSample?.(sample);
  }
}
