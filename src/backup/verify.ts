import fs from 'node:fs';
import Database from '../store/sqlite-driver.js';
import { MARKET_SCHEMA_VERSION, seriesExtentsOf } from '../store/market-db.js';
import type { Db } from '../store/sqlite.js';
import type { BackupEntry } from './catalog.js';
import { describeFailure, hashFile, type FileHashes } from './files.js';
import { remoteFile, type Rclone } from './offsite.js';

/** What a market database holds, as far as verification compares it. */
export interface DbFacts {
  schemaVersion: number;
  /** Candles per interval, e.g. { "15m": 86400, "1h": 21600 }. */
  rowCounts: Record<string, number>;
  /** Open time of the newest candle of any series, or null when there is none. */
  newestCandle: number | null;
}

export interface Verdict {
  ok: boolean;
  /** What is wrong, one line each; empty when ok. */
  problems: string[];
  /**
   * True when the content itself was shown to be bad (hash, integrity, schema, counts); false
   * when it could not be checked (rclone missing, network): only the former marks a backup failed.
   */
  contentBad: boolean;
  facts: DbFacts | null;
}

const INTEGRITY_LIMIT = 20;

/** What a market database holds, series by series (seriesExtentsOf), summed per interval. */
export function readFacts(db: Db): DbFacts {
  const schemaVersion = db.pragma('user_version', { simple: true }) as number;
  const rowCounts: Record<string, number> = {};
  let newestCandle: number | null = null;
  for (const s of seriesExtentsOf(db)) {
    rowCounts[s.interval] = (rowCounts[s.interval] ?? 0) + s.count;
    newestCandle = Math.max(newestCandle ?? s.lastOpenTime, s.lastOpenTime);
  }
  return { schemaVersion, rowCounts: Object.fromEntries(Object.entries(rowCounts).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))), newestCandle };
}

/** Differences between what a copy holds and what it should hold. */
export function compareFacts(actual: DbFacts, expected: DbFacts): string[] {
  const problems: string[] = [];
  if (actual.schemaVersion !== expected.schemaVersion) {
    problems.push(`schema version ${actual.schemaVersion}, expected ${expected.schemaVersion}`);
  }
  const intervals = new Set([...Object.keys(actual.rowCounts), ...Object.keys(expected.rowCounts)]);
  for (const interval of [...intervals].sort()) {
    const a = actual.rowCounts[interval] ?? 0;
    const e = expected.rowCounts[interval] ?? 0;
    if (a !== e) problems.push(`${interval}: ${a} candles, expected ${e}`);
  }
  if (actual.newestCandle !== expected.newestCandle) {
    problems.push(`newest candle ${iso(actual.newestCandle)}, expected ${iso(expected.newestCandle)}`);
  }
  return problems;
}

function iso(t: number | null): string {
  return t === null ? 'none' : new Date(t).toISOString();
}

/**
 * Opens a database file read-only and checks it is a whole, usable market store: a full
 * integrity check, a schema version this build knows, and the candle facts. With `expected`,
 * the facts must match them exactly.
 */
export function inspectDatabase(file: string, expected?: DbFacts): Verdict {
  let db: Db | undefined;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    const integrity = (db.pragma(`integrity_check(${INTEGRITY_LIMIT})`) as { integrity_check: string }[]).map((r) => r.integrity_check);
    if (integrity.length !== 1 || integrity[0] !== 'ok') {
      return { ok: false, contentBad: true, facts: null, problems: integrity.map((l) => `integrity: ${l}`) };
    }
    const hasCandles = db.prepare("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'candles'").pluck().get() === 1;
    if (!hasCandles) return { ok: false, contentBad: true, facts: null, problems: ['no candles table: not a market store'] };
    const facts = readFacts(db);
    const problems: string[] = [];
    if (facts.schemaVersion < 1 || facts.schemaVersion > MARKET_SCHEMA_VERSION) {
      problems.push(`schema version ${facts.schemaVersion} is not one this cfa-console knows (1..${MARKET_SCHEMA_VERSION})`);
    }
    if (expected) problems.push(...compareFacts(facts, expected));
    return { ok: problems.length === 0, contentBad: problems.length > 0, facts, problems };
  } catch (error) {
    const code = (error as { code?: string }).code;
    // A missing file or an unreadable directory says nothing about the content.
    const contentBad = code !== 'SQLITE_CANTOPEN' && code !== 'SQLITE_IOERR' && code !== 'EACCES';
    return { ok: false, contentBad, facts: null, problems: [describeFailure(error)] };
  } finally {
    db?.close();
  }
}

export function expectedFacts(entry: BackupEntry): DbFacts {
  return { schemaVersion: entry.schemaVersion ?? 0, rowCounts: entry.rowCounts ?? {}, newestCandle: entry.newestCandle };
}

/**
 * A local copy of a catalogued backup (the file itself, or a staged copy of it): its hash (on a
 * worker thread) and the database checks at once; a wrong hash is reported first. `check` replaces
 * the SQLite checks (a pg_dump is checked by restoring it into a scratch database).
 */
export async function verifyLocalCopy(file: string, entry: BackupEntry, check?: (file: string) => Promise<Verdict>): Promise<Verdict> {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    return { ok: false, contentBad: missing, facts: null, problems: [missing ? `${file} is missing` : describeFailure(error)] };
  }
  if (stat.size !== entry.sizeBytes) {
    return { ok: false, contentBad: true, facts: null, problems: [`size ${stat.size} bytes, catalogued ${entry.sizeBytes}`] };
  }
  const { hashes, verdict } = check ? await checkWhileHashing(file, check) : await inspectWhileHashing(file, expectedFacts(entry));
  if (hashes.sha256 !== entry.sha256) {
    return { ok: false, contentBad: true, facts: null, problems: [`sha256 ${hashes.sha256.slice(0, 16)}… does not match the catalogued ${entry.sha256.slice(0, 16)}…`] };
  }
  return verdict;
}

async function checkWhileHashing(file: string, check: (file: string) => Promise<Verdict>): Promise<{ verdict: Verdict; hashes: FileHashes }> {
  const hashing = hashFile(file);
  hashing.catch(() => {});
  const verdict = await check(file);
  return { verdict, hashes: await hashing };
}

/**
 * inspectDatabase and hashFile of the same file at the same time: the hash on a worker thread
 * while this one runs the integrity check and reads the facts. Rejects only when the file cannot
 * be hashed (the database checks never throw).
 */
export async function inspectWhileHashing(file: string, expected?: DbFacts, options: { md5?: boolean } = {}): Promise<{ verdict: Verdict; hashes: FileHashes; inspectMs: number }> {
  const hashing = hashFile(file, options);
  // Not awaited until the checks are done: a failure must not go unhandled meanwhile.
  hashing.catch(() => {});
  const t0 = performance.now();
  const verdict = inspectDatabase(file, expected);
  const inspectMs = Math.round(performance.now() - t0);
  return { verdict, hashes: await hashing, inspectMs };
}

/**
 * An offsite copy is checked by the hash the remote reports (sha256, or md5 where the remote
 * only knows that), so verification does not download it. A restore or the drill downloads it
 * and runs the full local checks as well.
 */
export async function verifyOffsiteCopy(rclone: Rclone, entry: BackupEntry): Promise<Verdict> {
  const remote = await remoteFile(rclone, entry.location);
  if (remote.kind === 'error') return { ok: false, contentBad: false, facts: null, problems: [remote.message] };
  if (remote.kind === 'missing') return { ok: false, contentBad: true, facts: null, problems: [`${entry.location} is missing on the remote`] };
  const problems: string[] = [];
  if (remote.size !== entry.sizeBytes) problems.push(`remote size ${remote.size} bytes, catalogued ${entry.sizeBytes}`);
  if (remote.sha256) {
    if (remote.sha256 !== entry.sha256) problems.push(`remote sha256 ${remote.sha256.slice(0, 16)}… does not match the catalogued ${entry.sha256.slice(0, 16)}…`);
  } else if (remote.md5 && entry.md5) {
    if (remote.md5 !== entry.md5) problems.push(`remote md5 ${remote.md5} does not match the catalogued ${entry.md5}`);
  } else {
    return { ok: false, contentBad: false, facts: null, problems: ['the remote reports neither sha256 nor md5 for it: cannot verify without downloading (restore or drill does)'] };
  }
  return { ok: problems.length === 0, contentBad: problems.length > 0, facts: null, problems };
}
