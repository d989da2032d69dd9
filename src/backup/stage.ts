import fs from 'node:fs';
import path from 'node:path';
import type { BackupEntry } from './catalog.js';
import { copyWithHashes, describeFailure, fsyncFile, hashFile, removeWithSideFiles, tempPathFor, type FileHashes } from './files.js';
import { download, findRclone } from './offsite.js';
import type { VerifyPgOptions } from './postgres/dump.js';
import { pgDumpCheck } from './reverify.js';
import type { TierSettings } from './tiers.js';
import { expectedFacts, inspectDatabase, type Verdict } from './verify.js';

export type Staged =
  | { ok: true; file: string; ms: { fetch: number; verify: number } }
  | { ok: false; verdict: Verdict };

/**
 * Brings a catalogued copy next to where it will be used (a temp file in `dir`: the data dir for a
 * restore, so the final rename is atomic; a scratch dir for the drill) and verifies the staged
 * bytes themselves: size and SHA-256 against the catalog, then integrity, schema and the candle
 * counts (a pg_dump: restored into a scratch database and compared with its catalogued facts;
 * `pgOpened` runs there before it is dropped). A copy that fails here never replaces anything; the
 * temp file is removed.
 */
export async function stageCopy(entry: BackupEntry, dir: string, settings: TierSettings, pgOpened?: VerifyPgOptions['opened']): Promise<Staged> {
  const temp = tempPathFor(dir, entry.backend === 'postgres' ? 'market.dump' : 'market.db');
  const t0 = performance.now();
  let hashes: FileHashes;
  try {
    if (entry.tier === 'offsite') {
      if (!settings.offsite) return fail(temp, 'the offsite tier is no longer configured (backup.offsiteRemote): cannot fetch it');
      const lookup = findRclone(settings.offsite);
      if (!lookup.ok) return fail(temp, lookup.reason);
      await download(lookup.rclone, entry.location, temp);
      fsyncFile(temp);
      hashes = await hashFile(temp);
    } else {
      if (!fs.existsSync(entry.location)) return fail(temp, `${entry.location} is missing`, true);
      hashes = copyWithHashes(entry.location, temp);
    }
  } catch (error) {
    return fail(temp, `cannot fetch ${entry.location} to ${path.dirname(temp)}: ${describeFailure(error)}`);
  }
  const fetched = performance.now();
  let verdict: Verdict;
  if (hashes.size !== entry.sizeBytes) {
    verdict = { ok: false, contentBad: true, facts: null, problems: [`size ${hashes.size} bytes, catalogued ${entry.sizeBytes}`] };
  } else if (hashes.sha256 !== entry.sha256) {
    verdict = { ok: false, contentBad: true, facts: null, problems: [`sha256 ${hashes.sha256.slice(0, 16)}… does not match the catalogued ${entry.sha256.slice(0, 16)}…`] };
  } else if (entry.backend === 'postgres') {
    const check = pgDumpCheck(entry, settings, pgOpened);
    verdict = typeof check === 'function' ? await check(temp) : check;
  } else {
    verdict = inspectDatabase(temp, expectedFacts(entry));
  }
  if (!verdict.ok) {
    removeWithSideFiles(temp);
    return { ok: false, verdict };
  }
  return { ok: true, file: temp, ms: { fetch: Math.round(fetched - t0), verify: Math.round(performance.now() - fetched) } };
}

function fail(temp: string, problem: string, contentBad = false): Staged {
  removeWithSideFiles(temp);
  fs.rmSync(`${temp}.partial`, { force: true });
  return { ok: false, verdict: { ok: false, contentBad, facts: null, problems: [problem] } };
}
