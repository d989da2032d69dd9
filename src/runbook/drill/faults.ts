/**
 * The fault library of the game-day drills: real faults in the drill's sandbox (never the real
 * data dir), each a FaultCall a runbook's `drill` names for its inject or revert. A fault only
 * breaks things: it never writes an alert or an incident, so the alert must come from the real
 * rules over the real state. A fault on the store's content goes through the store's modules
 * (CandleStore, the sentiment store) over the sandbox's config, so it reaches whichever store the
 * sandbox runs on (market.db, or its scratch database in PostgreSQL); only a fault of a SQLite file
 * (corruptPage) opens market.db itself, and its drill declares `sandbox.sqliteOnly`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { bindReadOnly, fillUntilFull } from '../../common/mounts.js';
import { loadConfig } from '../../config/load-config.js';
import { setConfigValue } from '../../config/config-values.js';
import { removeSymbols } from '../../config/symbols.js';
import { tierSettings } from '../../backup/tiers.js';
import type { Interval } from '../../exchange/intervals.js';
import { daemonReport } from '../../ops/diagnostics.js';
import { MARKET_DB_FILE } from '../../store/market-db.js';
import { openCandleStore } from '../../store/open-candle-store.js';
import { openSentimentStore } from '../../sentiment/open-sentiment-store.js';
import { openSqlite } from '../../store/sqlite.js';
import type { DrillContext, FaultCall } from '../types.js';

function fault(name: string, args: Record<string, unknown>, run: (ctx: DrillContext) => Promise<string> | string): FaultCall {
  return { name, args, run: async (ctx) => run(ctx) };
}

/** kill -9 of the supervised backtest daemon (the sandbox's supervisor waits 30 min before a restart). */
export function killDaemon(): FaultCall {
  return fault('faults.killDaemon', {}, (ctx) => {
    const d = daemonReport({ events: 0 }, ctx.step);
    if (d.pid === null || !d.alive) throw new Error(`the sandbox's daemon is not running (state ${d.state ?? 'unknown'}): nothing to kill`);
    process.kill(d.pid, 'SIGKILL');
    ctx.memo.killedPid = d.pid;
    return `daemon PID ${d.pid} killed with SIGKILL`;
  });
}

/**
 * The daemon crashes `times` times in a row (kill -9, each restart awaited): with the drill's short
 * restart backoff, the supervisor gives up after its `maxCrashes` (a crash loop).
 */
export function crashDaemon(options: { times: number; timeoutMs?: number }): FaultCall {
  return fault('faults.crashDaemon', { ...options }, async (ctx) => {
    const killed: number[] = [];
    const deadline = Date.now() + (options.timeoutMs ?? 60_000);
    while (killed.length < options.times) {
      const d = daemonReport({ events: 0 }, ctx.step);
      if (d.pid !== null && d.alive && !killed.includes(d.pid)) {
        process.kill(d.pid, 'SIGKILL');
        killed.push(d.pid);
        continue;
      }
      if (Date.now() > deadline) throw new Error(`the daemon was not restarted after crash ${killed.length} of ${options.times} (state ${d.state ?? 'unknown'})`);
      await new Promise((r) => setTimeout(r, 100));
    }
    return `daemon killed with SIGKILL ${killed.length} times (PIDs ${killed.join(', ')})`;
  });
}

/**
 * The daemon hangs: SIGSTOP freezes it, so it stops beating and a SIGTERM does nothing (it stays
 * queued while the process is stopped): only the SIGKILL after the grace ends it.
 */
export function freezeDaemon(): FaultCall {
  return fault('faults.freezeDaemon', {}, (ctx) => {
    const d = daemonReport({ events: 0 }, ctx.step);
    if (d.pid === null || !d.alive) throw new Error(`the sandbox's daemon is not running (state ${d.state ?? 'unknown'}): nothing to freeze`);
    process.kill(d.pid, 'SIGSTOP');
    ctx.memo.frozenPid = d.pid;
    return `daemon PID ${d.pid} frozen with SIGSTOP (no heartbeat, SIGTERM ignored)`;
  });
}

/** Lets a frozen daemon go on (SIGCONT) when the runbook did not replace it. */
export function thawDaemon(): FaultCall {
  return fault('faults.thawDaemon', {}, (ctx) => {
    const pid = ctx.memo.frozenPid;
    if (typeof pid !== 'number') return 'no daemon was frozen';
    try {
      process.kill(pid, 'SIGCONT');
      return `PID ${pid} continued`;
    } catch {
      return `PID ${pid} is gone (the runbook replaced it)`;
    }
  });
}

/** The newest `hours` of a series deleted from the sandbox's store: the series goes stale and the candles are missing. */
export function deleteCandles(options: { symbol: string; interval: Interval; hours: number }): FaultCall {
  return fault('faults.deleteCandles', { ...options }, async (ctx) => {
    const store = await openCandleStore(ctx.step.loaded.config, ctx.dataDir);
    try {
      const newest = await store.lastOpenTime(options.symbol, options.interval);
      if (newest === null) throw new Error(`the sandbox has no ${options.symbol} ${options.interval} candles to delete`);
      const from = newest - options.hours * 3_600_000 + 1;
      const deleted = await store.deleteCandlesFrom(options.symbol, options.interval, from);
      ctx.memo.deletedCandles = { symbol: options.symbol, interval: options.interval, from, to: newest, count: deleted } satisfies DeletedCandles;
      return `${deleted} ${options.symbol} ${options.interval} candles deleted (the newest ${options.hours} h)`;
    } finally {
      await store.close();
    }
  });
}

/** What deleteCandles removed (kept in the drill's memo). */
export interface DeletedCandles { symbol: string; interval: Interval; from: number; to: number; count: number }

/** Whether every candle deleteCandles removed is in the store again; null when this drill deleted none. */
export async function deletedCandlesBack(ctx: Pick<DrillContext, 'dataDir' | 'memo' | 'step'>): Promise<boolean | null> {
  const gone = ctx.memo.deletedCandles as DeletedCandles | undefined;
  if (!gone) return null;
  const store = await openCandleStore(ctx.step.loaded.config, ctx.dataDir);
  try {
    return (await store.candles(gone.symbol, gone.interval, gone.from, gone.to + 1)).length >= gone.count;
  } finally {
    await store.close();
  }
}

/**
 * The first page of the candles table in market.db overwritten with garbage (after a checkpoint, so the damage is in
 * the main file where every reader sees it). The page is kept in the memo for `restorePage`.
 */
export function corruptPage(): FaultCall {
  return fault('faults.corruptPage', {}, (ctx) => {
    const file = path.join(ctx.dataDir, MARKET_DB_FILE);
    const db = openSqlite(file);
    let pageSize: number;
    let pages: number;
    let leaves: number[];
    try {
      // Every page in the main file: a page still in the WAL would be read from there, over the damage.
      const [done] = db.pragma('wal_checkpoint(TRUNCATE)') as { busy: number; log: number; checkpointed: number }[];
      if (done && (done.busy !== 0 || done.log > 0)) {
        throw new Error(`market.db's WAL could not be emptied (busy ${done.busy}, ${done.checkpointed} of ${done.log} frames copied): a reader holds it, and the damage would lie under the WAL's copy`);
      }
      pageSize = db.pragma('page_size', { simple: true }) as number;
      pages = db.pragma('page_count', { simple: true }) as number;
      // A page the candles live on (the oldest): a page picked by its position in the file may be
      // free after deletes, and garbage there is never read by anything.
      leaves = (db.prepare("SELECT pageno FROM dbstat WHERE name = 'candles' AND pagetype = 'leaf' ORDER BY pageno").all() as { pageno: number }[]).map((r) => r.pageno);
    } finally {
      db.close();
    }
    if (pages < 4 || leaves.length === 0) throw new Error(`market.db has only ${pages} pages (${leaves.length} of candles): too small to corrupt`);
    const page = leaves[0]!;
    const fd = fs.openSync(file, 'r+');
    try {
      const saved = Buffer.alloc(pageSize);
      fs.readSync(fd, saved, 0, pageSize, (page - 1) * pageSize);
      ctx.memo.corruptPage = { page, pageSize, saved: saved.toString('base64') };
      fs.writeSync(fd, Buffer.alloc(pageSize, 0xa5), 0, pageSize, (page - 1) * pageSize);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    return `page ${page} of ${pages} (${pageSize} bytes, candles) of market.db overwritten with garbage`;
  });
}

/**
 * A 5xx storm while a sync runs: every klines request answers 5xx, the sync (run as the schedule
 * would, on the sandbox's leader, in the run history) fails, then the storm passes.
 */
export function stormDuringSync(): FaultCall {
  return fault('faults.stormDuringSync', {}, async (ctx) => {
    const { runJobAnywhere } = await import('../../ops/run-job.js');
    ctx.simulator.setFaults({ error5xx: 1, endpoints: 'klines' });
    try {
      const run = await runJobAnywhere(ctx.step, 'sync', 'sync', {} as never, 5 * 60_000);
      if (run.status === 'skipped') throw new Error(`the sync under the storm was skipped (another sync holds its lock): no fault made`);
      return `a 5xx storm on klines during sync run ${run.runId ?? '-'} (${run.status}); the storm is over`;
    } finally {
      ctx.simulator.setFaults({ error5xx: 0 });
    }
  });
}

/**
 * The exchange answers 429 to the next `count` klines requests while a sync runs (as the schedule
 * would run it, on the sandbox's leader): the run records its 429s, which the rate-limit rule counts.
 */
export function rateLimitStormDuringSync(options: { count: number }): FaultCall {
  return fault('faults.rateLimitStormDuringSync', { ...options }, async (ctx) => {
    const { runJobAnywhere } = await import('../../ops/run-job.js');
    ctx.simulator.failNext('429', options.count, 'klines');
    const run = await runJobAnywhere(ctx.step, 'sync', 'sync', {} as never, 5 * 60_000);
    if (run.status === 'skipped') {
      ctx.simulator.clearQueued();
      throw new Error(`the sync meant to meet the 429s was skipped (another sync holds its lock): no fault made`);
    }
    return `${options.count} answers 429 queued on klines during sync run ${run.runId ?? '-'} (${run.status}, ${String(run.summary?.rateLimited429 ?? '?')} 429s counted)`;
  });
}

/** The exchange answers 5xx to every request (a storm) until reverted. */
export function exchange5xxStorm(): FaultCall {
  return fault('faults.exchange5xxStorm', {}, (ctx) => {
    ctx.simulator.setFaults({ error5xx: 1, endpoints: 'all' });
    return 'the simulated exchange answers 5xx to every request';
  });
}

/** A real 418 ban of the sandbox's IP by the simulator. */
export function ban418(): FaultCall {
  return fault('faults.ban418', {}, (ctx) => {
    ctx.simulator.failNext('418', 1, 'all');
    return 'the next request to the simulated exchange starts a 418 ban';
  });
}

/** The simulated exchange healthy again: no random faults, no queued ones left to matter. */
export function exchangeHealthy(): FaultCall {
  return fault('faults.exchangeHealthy', {}, (ctx) => {
    ctx.simulator.setFaults({ error5xx: 0, reset: 0, stall: 0, truncate: 0, malformed: 0, latencyMs: 0 });
    return 'the simulated exchange answers normally';
  });
}

/** The sandbox's config as the file now says (a fault or the runbook may have changed it). */
function sandboxConfig(ctx: DrillContext) {
  return loadConfig({ configPath: ctx.configPath, dataDir: ctx.dataDir, exchangeUrl: ctx.simulator.url }, {});
}

async function restartEngine(ctx: DrillContext): Promise<void> {
  if (!ctx.restartEngine) throw new Error('this drill cannot restart the sandbox\'s engine');
  await ctx.restartEngine();
}

/**
 * A symbol the exchange has delisted (the simulator does not list it) is added to the configured
 * symbols, as a person editing the universe would, and the engine is restarted to read it (a
 * running engine reads its config only at its start). It has no candles, and no sync can fill them.
 */
export function addDelistedSymbol(options: { symbol: string }): FaultCall {
  return fault('faults.addDelistedSymbol', { ...options }, async (ctx) => {
    const symbol = options.symbol.toUpperCase();
    if (ctx.simulator.symbols.includes(symbol)) throw new Error(`${symbol} is listed by the sandbox's exchange; name one it does not list (it lists ${ctx.simulator.symbols.join(', ')})`);
    const loaded = sandboxConfig(ctx);
    if (loaded.config.symbols.includes(symbol)) throw new Error(`${symbol} is already configured in the sandbox`);
    setConfigValue(loaded.store, loaded.config, 'symbols', JSON.stringify([...loaded.config.symbols, symbol]));
    ctx.memo.addedSymbol = symbol;
    await restartEngine(ctx);
    return `${symbol} (not listed by the exchange: delisted) added to the configured symbols; the engine restarted to read the config`;
  });
}

/**
 * Takes the added symbol out of the config if the runbook did not, and restarts the engine either
 * way: the runbook's change of the config file reaches a running engine only at its next start.
 */
export function dropAddedSymbol(): FaultCall {
  return fault('faults.dropAddedSymbol', {}, async (ctx) => {
    const symbol = ctx.memo.addedSymbol;
    if (typeof symbol !== 'string') return 'no symbol was added';
    const { removed } = removeSymbols(sandboxConfig(ctx), [symbol]);
    await restartEngine(ctx);
    return `${removed.length ? `${symbol} removed from the config` : `${symbol} was already out of the config (the runbook removed it)`}; the engine restarted to read it`;
  });
}

/**
 * Backups stop: the hot tier's directory is read-only (for root too: a read-only bind mount; not
 * root: its write permission taken away) while a backup runs as the schedule would run it, on the
 * sandbox's leader. The run fails and the target is writable again; the newest verified backup
 * now only ages, past the drill's limit.
 */
export function backupTargetReadOnlyDuringBackup(): FaultCall {
  return fault('faults.backupTargetReadOnlyDuringBackup', {}, async (ctx) => {
    const dir = tierSettings(ctx.step.loaded.config).hot.dir;
    fs.mkdirSync(dir, { recursive: true });
    let undo = bindReadOnly(dir);
    let how = 'a read-only bind mount';
    if (!undo && process.getuid?.() !== 0) {
      const mode = fs.statSync(dir).mode & 0o7777;
      fs.chmodSync(dir, 0o555);
      undo = () => fs.chmodSync(dir, mode);
      how = 'its write permission taken away';
    }
    if (!undo) throw new Error(`the hot tier's directory ${dir} cannot be made read-only here (root, and the bind mount was refused)`);
    try {
      const { runJobAnywhere } = await import('../../ops/run-job.js');
      const run = await runJobAnywhere(ctx.step, 'backup', 'backup', {} as never, 5 * 60_000);
      if (run.status === 'success') throw new Error(`the backup run ${run.runId ?? '-'} succeeded although ${dir} was read-only`);
      return `the hot tier's directory read-only (${how}) during backup run ${run.runId ?? '-'} (${run.status}); writable again, no backup since`;
    } finally {
      undo();
    }
  });
}

/** The data dir's (small) disk filled to all but `leavePercent` % by a stray file (`old-export.bin`). */
export function fillDisk(options: { leavePercent: number }): FaultCall {
  return fault('faults.fillDisk', { ...options }, (ctx) => {
    const file = path.join(ctx.dataDir, 'old-export.bin');
    const full = fillUntilFull(file);
    const { blocks, bsize, bavail } = fs.statfsSync(ctx.dataDir);
    const size = Math.max(0, full - Math.floor(blocks * bsize * (options.leavePercent / 100)) + bavail * bsize);
    fs.truncateSync(file, size);
    ctx.memo.filler = file;
    const left = fs.statfsSync(ctx.dataDir);
    return `the data dir's disk filled by ${path.basename(file)} (${Math.round(size / 1_048_576)} MB): ${(100 * left.bavail / left.blocks).toFixed(1)}% free`;
  });
}

/** The person on call frees the space (the runbook deletes nothing): the stray file is removed. */
export function freeDisk(): FaultCall {
  return fault('faults.freeDisk', {}, (ctx) => {
    const file = ctx.memo.filler;
    if (typeof file !== 'string' || !fs.existsSync(file)) return 'nothing to free (the stray file is gone)';
    const size = fs.statSync(file).size;
    fs.rmSync(file);
    return `${path.basename(file)} deleted by hand: ${Math.round(size / 1_048_576)} MB freed`;
  });
}

/**
 * The fear & greed source is down (the stand-in answers 503) and has been for `days` days: the
 * days it would have published since are missing from the store.
 */
export function sentimentSourceDown(options: { days: number }): FaultCall {
  return fault('faults.sentimentSourceDown', { source: 'fng', ...options }, async (ctx) => {
    if (!ctx.sentiment) throw new Error('the sandbox has no sentiment sources (the drill must ask for `sandbox.sentiment`)');
    ctx.sentiment.fearGreed.setDown(true);
    const store = await openSentimentStore(ctx.step.loaded.config, ctx.dataDir);
    try {
      const deleted = await store.deleteFearGreedAfter(Date.now() - options.days * 86_400_000);
      return `fear & greed down (503) for ${options.days} days: ${deleted} day(s) missing from the store`;
    } finally {
      await store.close();
    }
  });
}

/** The sentiment sources answer again, and the next sentiment run (as the schedule would run it, on the leader) fetches what was missed. */
export function sentimentSourcesBack(): FaultCall {
  return fault('faults.sentimentSourcesBack', {}, async (ctx) => {
    if (!ctx.sentiment) return 'the sandbox has no sentiment sources';
    ctx.sentiment.fearGreed.setDown(false);
    ctx.sentiment.fred.setDown(false);
    const { runJobAnywhere } = await import('../../ops/run-job.js');
    const run = await runJobAnywhere(ctx.step, 'sentiment', 'sentiment', {} as never, 5 * 60_000);
    return `the sources answer again; the next sentiment run ${run.runId ?? '-'} ended ${run.status}`;
  });
}

/** Nothing to take back (the runbook's own fix is the revert). */
export function none(): FaultCall {
  return fault('faults.none', {}, () => 'nothing to revert');
}
