import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { SeriesFollower, seriesChange } from '../../src/config/series-follow.js';
import Database from '../../src/store/sqlite-driver.js';
import { engineFixture, startDaemon } from '../helpers/daemon.js';
import { simulator } from '../helpers/simulated-exchange.js';
import { tempDir } from '../helpers/temp-dir.js';

describe('seriesChange', () => {
  it('names the symbols added and removed and a changed interval list; null when the same', () => {
    const before = { symbols: ['BTCUSDT', 'ETHUSDT', 'LUNAUSDT'], intervals: ['1h', '4h'] };
    expect(seriesChange(before, { ...before })).toBeNull();
    expect(seriesChange(before, { symbols: ['BTCUSDT', 'ETHUSDT', 'SOLUSDT'], intervals: ['1h', '4h'] }))
      .toEqual({ added: ['SOLUSDT'], removed: ['LUNAUSDT'], intervals: null });
    expect(seriesChange(before, { symbols: before.symbols, intervals: ['1h'] }))
      .toEqual({ added: [], removed: [], intervals: { from: ['1h', '4h'], to: ['1h'] } });
  });
});

describe('SeriesFollower over a real config file', () => {
  it('takes the file\'s new symbols into the running config, and keeps them when the file does not validate', () => {
    const dir = tempDir();
    const file = path.join(dir, 'config.json');
    fs.writeFileSync(file, JSON.stringify({ symbols: ['BTCUSDT', 'LUNAUSDT'], intervals: ['1h'] }));
    const loaded = loadConfig({ configPath: file, dataDir: path.join(dir, 'data') });
    const follower = new SeriesFollower(loaded);
    expect(follower.check()).toBeNull();

    fs.writeFileSync(file, JSON.stringify({ symbols: ['BTCUSDT'], intervals: ['1h'] }));
    fs.utimesSync(file, new Date(), new Date(Date.now() + 5_000));
    expect(follower.check()).toEqual({ change: { added: [], removed: ['LUNAUSDT'], intervals: null } });
    expect(loaded.config.symbols).toEqual(['BTCUSDT']);

    fs.writeFileSync(file, JSON.stringify({ symbols: [], intervals: ['1h'] }));
    fs.utimesSync(file, new Date(), new Date(Date.now() + 10_000));
    const bad = follower.check();
    expect(bad && 'error' in bad && bad.error.message).toMatch(/symbols/);
    expect(loaded.config.symbols).toEqual(['BTCUSDT']);
  });
});

describe('a running leader and a symbol removed from its config file', () => {
  it('resolves the missing-symbols alert without a restart', async () => {
    const sim = await simulator({ symbols: ['BTCUSDT', 'ETHUSDT'], now: Date.now });
    const dir = tempDir();
    const data = path.join(dir, 'data');
    const args = engineFixture(dir, sim.url, {
      symbols: ['BTCUSDT', 'ETHUSDT', 'LUNAUSDT'],
      intervals: ['1h'],
      engine: { leaseTtl: '2s', leaseRenewEvery: '300ms', stopGrace: '2s', sampleEvery: '500ms', monitorEvery: '300ms' },
      jobs: { sync: { schedule: '*/2 * * * * *', catchUpWindow: '1h' } },
      alerts: { for: { 'missing-symbols': '0s' }, groupWait: '0s' },
    });
    const daemon = startDaemon(args);
    const state = () => {
      const db = new Database(path.join(data, 'ops.db'), { readonly: true });
      try {
        return (db.prepare("SELECT state FROM alerts WHERE rule = 'missing-symbols' ORDER BY id DESC LIMIT 1").get() as { state: string } | undefined)?.state;
      } finally {
        db.close();
      }
    };
    try {
      await daemon.waitFor((l) => l.msg === 'became leader');
      await expect.poll(state, { timeout: 60_000, interval: 300 }).toBe('firing');

      const configFile = path.join(dir, 'config.json');
      const settings = JSON.parse(fs.readFileSync(configFile, 'utf8'));
      fs.writeFileSync(configFile, JSON.stringify({ ...settings, symbols: ['BTCUSDT', 'ETHUSDT'] }, null, 2));
      const change = await daemon.waitFor((l) => l.msg === 'tracked series changed in the configuration file');
      expect(change.removed).toEqual(['LUNAUSDT']);
      await expect.poll(state, { timeout: 30_000, interval: 300 }).toBe('resolved');
      expect(daemon.child.exitCode).toBeNull();
    } finally {
      daemon.child.kill('SIGTERM');
      await daemon.child.catch(() => undefined);
    }
  }, 120_000);
});
