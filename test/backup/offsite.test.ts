import fs from 'node:fs';
import path from 'node:path';
import which from 'which';
import { describe, expect, it } from 'vitest';
import { hashFile } from '../../src/backup/files.js';
import { storeDifferences } from '../helpers/simulated-exchange.js';
import { tempDir } from '../helpers/temp-dir.js';
import { ALL, backupEnv, catalog, clockedSimulator, corruptMiddle, DAY, fillStore, summaryOf } from './helpers.js';

const rclone = which.sync('rclone', { nothrow: true });
// A remote named `testremote` of type local, defined by the environment alone (no rclone.conf).
const RCLONE_ENV = { RCLONE_CONFIG_TESTREMOTE_TYPE: 'local' };

describe.skipIf(!rclone)(`offsite tier through a real rclone${rclone ? '' : ' (skipped: rclone is not installed; apt-get install rclone)'}`, () => {
  it('uploads the verified snapshot, checks it by SHA-256 on the remote, re-verifies it, and notices when it rots', async () => {
    const remoteDir = path.join(tempDir('cfa-remote-'), 'cfa', 'market');
    const env = backupEnv({ backup: { offsiteRemote: `testremote:${remoteDir}`, rcloneFlags: ['--transfers', '2'] } });
    fillStore(env.dataDir, 1_000_000);
    const run = await env.run(['backup', '--json'], { env: RCLONE_ENV });
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    const hot = run.events.find((e) => e.event === 'tier' && e.tier === 'hot') as Record<string, any>;
    const offsite = run.events.find((e) => e.event === 'tier' && e.tier === 'offsite') as Record<string, any>;
    expect(offsite).toMatchObject({ status: 'verified', sha256: hot.sha256 });
    expect(offsite.location).toBe(`testremote:${remoteDir}/${path.basename(hot.location)}`);
    const uploaded = path.join(remoteDir, path.basename(hot.location));
    expect((await hashFile(uploaded)).sha256).toBe(hot.sha256);
    expect(Object.keys(offsite.timings)).toEqual(expect.arrayContaining(['upload', 'remoteCheck']));

    // Only offsite: a snapshot is staged for the upload and removed again.
    const only = await env.run(['backup', '--tier', 'offsite', '--json'], { env: RCLONE_ENV });
    expect(only.exitCode).toBe(0);
    expect(fs.readdirSync(path.join(env.dataDir, 'backups', 'hot'))).toHaveLength(1);
    expect(fs.readdirSync(remoteDir)).toHaveLength(2);

    const verify = await env.run(['backup', 'verify', '--json'], { env: RCLONE_ENV });
    expect(verify.exitCode).toBe(0);
    expect(summaryOf(verify)).toMatchObject({ checked: 3, verified: 3 });

    corruptMiddle(uploaded, 4096);
    const bad = await env.run(['backup', 'verify', String(offsite.backupId), '--json'], { env: RCLONE_ENV });
    expect(bad.exitCode).toBe(1);
    const line = bad.events.find((e) => e.event === 'backup') as Record<string, any>;
    expect(line.status).toBe('failed');
    expect(line.problems.join(' ')).toMatch(/remote sha256 .* does not match/);
    expect(catalog(env.dataDir).backups.find((b) => b.id === offsite.backupId)).toMatchObject({ result: 'failed' });

    // Without rclone in reach the copy cannot be checked: reported, not marked failed.
    fs.writeFileSync(env.configFile, JSON.stringify({ ...JSON.parse(fs.readFileSync(env.configFile, 'utf8')), backup: { offsiteRemote: `testremote:${remoteDir}`, rclone: '/nonexistent/rclone' } }));
    const unchecked = await env.run(['backup', 'verify', '3', '--json'], { env: RCLONE_ENV });
    expect(unchecked.exitCode).toBe(1);
    expect(unchecked.events.find((e) => e.event === 'backup')).toMatchObject({ status: 'unchecked' });
    expect(catalog(env.dataDir).backups.find((b) => b.id === 3)).toMatchObject({ result: 'verified' });
  });

  it('restores from offsite when the local copies are gone, downloading and verifying it first', async () => {
    const { sim, advance } = await clockedSimulator(3);
    const symbols = sim.symbols.slice(0, 3);
    const remoteDir = path.join(tempDir('cfa-remote-'), 'market');
    const env = backupEnv({ symbols, sync: { backfillDays: 8 }, backup: { offsiteRemote: `testremote:${remoteDir}` } }, sim.url);
    expect((await env.run(['sync', '--json'])).exitCode).toBe(0);
    expect((await env.run(['backup', '--json'], { env: RCLONE_ENV })).exitCode).toBe(0);
    advance(DAY);
    expect((await env.run(['sync', '--json'])).exitCode).toBe(0);
    const hot = catalog(env.dataDir).backups.find((b) => b.tier === 'hot')!;
    fs.rmSync(hot.location);
    fs.writeFileSync(path.join(env.dataDir, 'market.db'), 'not a database at all');
    const run = await env.run(['recover', '--yes', '--json'], { env: RCLONE_ENV });
    expect(run.exitCode).toBe(0);
    expect(summaryOf(run)).toMatchObject({ status: 'ok', backupTier: 'offsite' });
    expect(run.events.find((e) => e.step === `stage #${hot.id}`)).toMatchObject({ status: 'warn' });
    expect(storeDifferences(env.dataDir, sim, symbols, ALL, 8)).toEqual([]);
  });
});
