import type { Config } from '../../config/schema.js';
import type { Interval } from '../../exchange/intervals.js';
import type { CandleStore } from '../../store/candle-store.js';
import { MarketStore } from '../../store/market-db.js';
import { runSync, type SeriesOutcome, type SyncExchange } from '../../sync/run-sync.js';
import { collectHealth } from '../collect-health.js';
import { ContinuityStore } from '../continuity/continuity-store.js';
import { excludeKnownGaps, seriesKey } from '../continuity/holes.js';
import { KnownGapsStore } from '../continuity/known-gaps-store.js';
import type { ProbeId } from '../probe-ids.js';
import { worstStatus } from '../status.js';
import type { ContinuityGap, KnownGap, ProbeResult } from '../types.js';
import { refetchHole, type KlineRangeSource, type RefetchOutcome } from './refetch-hole.js';
import type { ValidationTarget } from './validation-target.js';

/** What `validate` checks: the probes over market data, at full depth. */
export const VALIDATE_PROBES: readonly ProbeId[] = ['integrity', 'coverage', 'continuity', 'freshness', 'size'];
/**
 * What decides its exit: completeness and correctness. Freshness and size are reported, but
 * staleness is the sync's to fix and `health` already judges it every few seconds.
 */
export const VALIDATE_VERDICT: readonly ProbeId[] = ['integrity', 'coverage', 'continuity'];

export type HealExchange = KlineRangeSource & SyncExchange;

export type ValidationEvent =
  | { event: 'check'; probe: ProbeResult }
  | { event: 'gap'; hole: ContinuityGap; result: 'filled' | 'exchange-gap' | 'partly-filled' | 'open'; stored: number; exchangeGaps: ContinuityGap[]; error?: string }
  | { event: 'backfill'; outcome: SeriesOutcome };

export interface ValidationOptions {
  config: Config;
  dataDir: string;
  heal: boolean;
  /** Built only when there is something to heal, so a clean store is validated offline. */
  exchange: () => HealExchange;
  onEvent?: (event: ValidationEvent) => void;
  /** Aborted (its job lock lost for good): healing stops before its next hole or series; what it stored stays. */
  signal?: AbortSignal;
}

export interface ValidationReport {
  status: 'clean' | 'problems';
  heal: boolean;
  probes: ProbeResult[];
  holes: { found: number; filled: number; exchangeGaps: number; open: ContinuityGap[] };
  missingSeries: { found: number; backfilled: number; open: string[] };
  candlesStored: number;
  knownGaps: KnownGap[];
  /** Why healing stopped early (the exchange unreachable, a ban), if it did. */
  healError?: string;
  durationMs: number;
}

function outcomeResult(o: RefetchOutcome): 'filled' | 'exchange-gap' | 'partly-filled' | 'open' {
  const left = o.exchangeGaps.length + o.stillOpen.length;
  if (left === 0) return 'filled';
  if (o.stillOpen.length === 0) return o.stored > 0 ? 'partly-filled' : 'exchange-gap';
  return o.stored > 0 ? 'partly-filled' : 'open';
}

/** The holes of the configured series that no known exchange gap explains, every length. */
function openHoles(store: MarketStore, config: Config): ContinuityGap[] {
  const configured = new Set(config.symbols.flatMap((s) => config.intervals.map((i) => seriesKey(s, i))));
  const holes = new ContinuityStore(store.db).holes().filter((h) => configured.has(seriesKey(h.symbol, h.interval)));
  return excludeKnownGaps(holes, new KnownGapsStore(store.db).list()).open;
}

/** market.db in the data dir: continuity from the scan's recorded holes, as `health` keeps them. */
function sqliteTarget(config: Config, dataDir: string): ValidationTarget {
  let market: MarketStore | null = null;
  const open = () => (market ??= MarketStore.open(dataDir));
  return {
    check: async (only, depth) => collectHealth({ config, dataDir, only, ...depth }),
    openHoles: async () => openHoles(open(), config),
    store: async () => open(),
    recordKnownGap: async (gap) => new KnownGapsStore(open().db).record(gap),
    close: async () => market?.close(),
  };
}

async function targetFor(config: Config, dataDir: string): Promise<ValidationTarget> {
  if (config.store.backend !== 'postgres') return sqliteTarget(config, dataDir);
  // Loaded only when the candles are in PostgreSQL: the SQLite path never loads the pg client.
  const { postgresTarget } = await import('./validate-postgres.js');
  return postgresTarget(config, dataDir);
}

/**
 * The validation job: the data probes at full depth (integrity_check, a full continuity scan;
 * in PostgreSQL the pages are the server's to check and the holes are located by a window over
 * each series' open times), then, with `heal`, a refetch of exactly the missing ranges and a
 * backfill of missing series through the sync engine, into whichever store holds the candles. A
 * range the exchange itself lacks becomes a known gap, confirmed today, and is not reported
 * again. A corrupt store is never healed: nothing is written to it.
 */
export async function runValidation(options: ValidationOptions): Promise<ValidationReport> {
  const started = Date.now();
  const { config, dataDir } = options;
  const emit = (e: ValidationEvent) => options.onEvent?.(e);
  const target = await targetFor(config, dataDir);
  try {
    const first = await target.check(VALIDATE_PROBES, { full: true });
    for (const probe of first.probes) emit({ event: 'check', probe });
    const integrity = first.probes.find((p) => p.id === 'integrity')!;
    const report: ValidationReport = {
      status: 'problems', heal: options.heal, probes: first.probes,
      holes: { found: 0, filled: 0, exchangeGaps: 0, open: [] },
      missingSeries: { found: 0, backfilled: 0, open: [] },
      candlesStored: 0, knownGaps: first.knownGaps ?? [], durationMs: 0,
    };
    const missing = first.coverage.flatMap((c) => c.missing.map((symbol) => ({ symbol, interval: c.interval })));
    report.missingSeries = { found: missing.length, backfilled: 0, open: missing.map((m) => seriesKey(m.symbol, m.interval)) };

    const readable = integrity.status === 'ok';
    if (readable) {
      const holes = await target.openHoles();
      report.holes = { found: holes.length, filled: 0, exchangeGaps: 0, open: holes };
      if (options.heal && (holes.length > 0 || missing.length > 0)) {
        try {
          await heal(holes, missing, target, options, report, emit);
        } catch (error) {
          // The exchange unreachable, a ban: what was healed stays, the rest is reported open.
          report.healError = (error as Error).message;
        }
        // The holes filled are dropped and the new series scanned; no full rescan is needed.
        const after = await target.check(['coverage', 'continuity'], { continuityBudget: Number.POSITIVE_INFINITY });
        report.probes = first.probes.map((p) => after.probes.find((a) => a.id === p.id) ?? p);
        report.knownGaps = after.knownGaps ?? report.knownGaps;
        report.missingSeries.open = after.coverage.flatMap((c) => c.missing.map((s) => seriesKey(s, c.interval)));
        report.holes.open = await target.openHoles();
      }
    }
    const verdict = worstStatus(report.probes.filter((p) => VALIDATE_VERDICT.includes(p.id as ProbeId)).map((p) => p.status));
    report.status = verdict === 'ok' ? 'clean' : 'problems';
    report.durationMs = Date.now() - started;
    return report;
  } finally {
    await target.close();
  }
}

/** Refetches every hole and backfills every missing series, counting into `report`. */
async function heal(
  holes: readonly ContinuityGap[], missing: readonly { symbol: string; interval: Interval }[], target: ValidationTarget,
  options: ValidationOptions, report: ValidationReport, emit: (e: ValidationEvent) => void,
): Promise<void> {
  const exchange = options.exchange();
  const store = await target.store();
  const offset = (await exchange.serverTime()) - Date.now();
  const serverTime = () => Date.now() + offset;
  const confirmedAt = Date.now();
  for (const hole of holes) {
    options.signal?.throwIfAborted();
    const outcome = await refetchHole(hole, { store, source: exchange, serverTime });
    report.candlesStored += outcome.stored;
    for (const g of outcome.exchangeGaps) await target.recordKnownGap({ ...g, confirmedAt });
    report.holes.exchangeGaps += outcome.exchangeGaps.length;
    if (outcomeResult(outcome) === 'filled') report.holes.filled++;
    emit({ event: 'gap', hole, result: outcomeResult(outcome), stored: outcome.stored, exchangeGaps: outcome.exchangeGaps, ...(outcome.error ? { error: outcome.error } : {}) });
  }
  report.candlesStored += await backfillMissing(missing, store, exchange, options.config, options.signal, (o) => {
    if (o.status === 'ok' && o.stored > 0) report.missingSeries.backfilled++;
    emit({ event: 'backfill', outcome: o });
  });
}

/** Missing series through the sync engine, one run per interval (it syncs symbols x intervals). */
async function backfillMissing(
  missing: readonly { symbol: string; interval: Interval }[], store: CandleStore, exchange: HealExchange, config: Config,
  signal: AbortSignal | undefined, onSeries: (o: SeriesOutcome) => void,
): Promise<number> {
  let stored = 0;
  const byInterval = new Map<Interval, string[]>();
  for (const m of missing) byInterval.set(m.interval, [...(byInterval.get(m.interval) ?? []), m.symbol]);
  for (const [interval, symbols] of byInterval) {
    signal?.throwIfAborted();
    const summary = await runSync(
      { symbols, intervals: [interval], backfillDays: config.sync.backfillDays, concurrency: config.sync.concurrency },
      {
        store, exchange, onSeries, signal,
        counters: () => ({ requests: 0, weightUsed: 0, rateLimited429: 0, banned418: 0, retries: {} }),
      },
    );
    stored += summary.candlesStored;
  }
  return stored;
}
