import type { ActionPlan } from '../common/plan.js';
import { INTERVAL_MS, type Interval } from '../exchange/intervals.js';
import type { BackupEntry } from './catalog.js';
import { ageText, bytes, isoOrNone } from './report.js';


const QUARANTINE = 'quarantine/';

/**
 * Closed candles the resync after restoring `entry` will fetch: for each series, the candles that
 * closed between the backup's newest candle and now. An estimate from the catalog (a series newer
 * than the backup's newest candle costs less), never an undercount of what is missing.
 */
export function resyncEstimate(newestCandle: number | null, series: { symbols: readonly string[]; intervals: readonly Interval[] }, now: number): number | null {
  if (newestCandle === null) return null;
  let total = 0;
  for (const interval of series.intervals) {
    const step = INTERVAL_MS[interval];
    total += Math.max(0, Math.floor((now - newestCandle) / step) - 1) * series.symbols.length;
  }
  return total;
}

function backupFacts(entry: BackupEntry, estimate: number | null, now: number) {
  return [
    { label: 'backup', value: `#${entry.id} (${entry.tier}) ${entry.location}` },
    { label: 'taken', value: `${ageText(now - entry.createdAt)} ago (${isoOrNone(entry.createdAt)})` },
    { label: 'size', value: bytes(entry.sizeBytes) },
    { label: 'newest candle', value: entry.newestCandle === null ? 'none' : `${isoOrNone(entry.newestCandle)} (${ageText(now - entry.newestCandle)} ago)` },
    { label: 'resync', value: estimate === null ? 'a full backfill (the backup has no candles)' : `about ${estimate.toLocaleString('en-US')} candles to fetch again` },
  ];
}

function backupData(entry: BackupEntry, estimate: number | null, now: number): Record<string, unknown> {
  return {
    backupId: entry.id, tier: entry.tier, location: entry.location, createdAt: entry.createdAt, ageMs: now - entry.createdAt,
    sizeBytes: entry.sizeBytes, newestCandle: entry.newestCandle, resyncCandles: estimate,
  };
}

export interface PlanInput {
  chosen: BackupEntry;
  fallbacks: number;
  series: { symbols: readonly string[]; intervals: readonly Interval[] };
  now: number;
}

/** `restore`: the chosen copy with its real figures, and what will happen to the live files. */
export function restorePlan({ chosen, fallbacks, series, now }: PlanInput): ActionPlan {
  const estimate = resyncEstimate(chosen.newestCandle, series, now);
  return {
    action: 'restore',
    title: `Replace market.db with backup #${chosen.id} (${chosen.tier}, taken ${ageText(now - chosen.createdAt)} ago)?`,
    risk: 'destructive',
    facts: backupFacts(chosen, estimate, now),
    effects: [
      'pause the sync, backups and the backtest daemon',
      `move the current market.db and its -wal/-shm to ${QUARANTINE} (kept, never deleted automatically)`,
      `copy the backup in and verify it${fallbacks ? ` (${fallbacks} other cop${fallbacks > 1 ? 'ies' : 'y'} of the same snapshot as fallback)` : ''}`,
      'resync from its newest candle to now, then resume',
    ],
    confirmWord: 'restore',
    data: { ...backupData(chosen, estimate, now), fallbacks },
  };
}

/**
 * `restore` with the postgres store: the same consent as for market.db (a restore replaces data),
 * with what happens to the live database instead of its files.
 */
export function pgRestorePlan({ chosen, fallbacks, series, now, store }: PlanInput & { store: string }): ActionPlan {
  const estimate = resyncEstimate(chosen.newestCandle, series, now);
  return {
    action: 'restore',
    title: `Replace the market data in the PostgreSQL store ${store} with backup #${chosen.id} (${chosen.tier}, taken ${ageText(now - chosen.createdAt)} ago)?`,
    risk: 'destructive',
    facts: backupFacts(chosen, estimate, now),
    effects: pgEffects(fallbacks ? ` (${fallbacks} other cop${fallbacks > 1 ? 'ies' : 'y'} of the same snapshot as fallback)` : ''),
    confirmWord: 'restore',
    data: { ...backupData(chosen, estimate, now), fallbacks, store },
  };
}

/** What a restore of a pg_dump does to the live database, for restore and recover alike. */
function pgEffects(fallbackNote: string): string[] {
  return [
    'pause the sync, backups and the backtest daemon on this host',
    `restore the backup into a scratch database and verify it${fallbackNote}`,
    `dump the current market data to ${QUARANTINE} (kept, never deleted automatically)`,
    'replace the market tables in one transaction (pg_restore --single-transaction --clean): all or nothing; the ops tables and the lease are not touched',
    'count the candles again in the store, resync from the backup\'s newest candle to now, then resume',
  ];
}

/**
 * `recover` with the postgres store: what the check found, and the cure (the newest dump that
 * verifies, older copies and other tiers as fallbacks, then the resync).
 */
export function pgRecoverPlan(x: { diagnosis: string; first: BackupEntry | null; candidates: number; series: PlanInput['series']; now: number; store: string }): ActionPlan {
  const estimate = x.first ? resyncEstimate(x.first.newestCandle, x.series, x.now) : null;
  return {
    action: 'recover',
    title: `The PostgreSQL store ${x.store}: ${x.diagnosis}. Recover: restore the newest pg_dump that verifies and resync?`,
    risk: 'destructive',
    facts: [
      { label: 'diagnosis', value: x.diagnosis },
      ...(x.first ? backupFacts(x.first, estimate, x.now) : [{ label: 'backup', value: 'no verified pg_dump in the catalog' }]),
      { label: 'candidates', value: `${x.candidates} verified cop${x.candidates === 1 ? 'y' : 'ies'} to try` },
    ],
    effects: pgEffects(' (older copies and other tiers as fallbacks)'),
    confirmWord: 'recover',
    data: { diagnosis: x.diagnosis, candidates: x.candidates, store: x.store, ...(x.first ? backupData(x.first, estimate, x.now) : {}) },
  };
}

/** `recover`: the diagnosis, then the cure it leads to, with the first copy it would restore. */
export function recoverPlan(x: { diagnosis: string; indexOnly: boolean; first: BackupEntry | null; candidates: number; series: PlanInput['series']; now: number }): ActionPlan {
  const estimate = x.first ? resyncEstimate(x.first.newestCandle, x.series, x.now) : null;
  const effects = x.indexOnly
    ? [`copy the damaged files to ${QUARANTINE}`, 'rebuild the indexes in place with REINDEX and check integrity', 'if that does not cure it: restore the newest backup that verifies, as below']
    : ['pause the sync, backups and the backtest daemon', `move the damaged market.db and its -wal/-shm to ${QUARANTINE}`, 'restore the newest backup that verifies (older copies and other tiers as fallbacks)', 'resync from its newest candle to now, then resume'];
  return {
    action: 'recover',
    title: `market.db: ${x.diagnosis}. Recover: ${x.indexOnly ? 'rebuild the indexes in place with REINDEX (a copy of the damaged files goes to quarantine/ first)' : 'restore the newest backup that verifies and resync; the damaged market.db and its -wal/-shm move to quarantine/'}?`,
    risk: 'destructive',
    facts: [
      { label: 'diagnosis', value: x.diagnosis },
      ...(x.first ? backupFacts(x.first, estimate, x.now) : [{ label: 'backup', value: 'no verified backup in the catalog' }]),
      { label: 'candidates', value: `${x.candidates} verified cop${x.candidates === 1 ? 'y' : 'ies'} to try` },
    ],
    effects,
    confirmWord: 'recover',
    data: { diagnosis: x.diagnosis, indexOnly: x.indexOnly, candidates: x.candidates, ...(x.first ? backupData(x.first, estimate, x.now) : {}) },
  };
}
