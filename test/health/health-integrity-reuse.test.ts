import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { HealthSnapshot, ProbeResult } from '../../src/health/types.js';
import { MarketStore } from '../../src/store/market-db.js';
import { openOpsDb } from '../../src/store/ops-db.js';
import { runCli, writeTestConfig } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp-dir.js';
import { corruptKeepingMtime, corruptMiddlePage, HOUR, MIN, newestOpenFor, QUIET_LIMITS, writeSeries } from './helpers.js';

/** A data dir with a store of a few days of candles; the integrity recheck at its default (10 min). */
function dataDirWithStore(): { args: string[]; dataDir: string; market: string } {
  const dir = tempDir();
  const dataDir = path.join(dir, 'data');
  fs.mkdirSync(dataDir);
  writeTestConfig(dir, { symbols: ['BTCUSDT', 'ETHUSDT'], intervals: ['1h'], health: QUIET_LIMITS });
  writeCandles(dataDir, 30 * 24 * HOUR);
  return { args: ['--data-dir', dataDir, '--config', path.join(dir, 'config.json')], dataDir, market: path.join(dataDir, 'market.db') };
}

function writeCandles(dataDir: string, span: number): void {
  const store = MarketStore.open(dataDir);
  const newest = newestOpenFor(Date.now(), '1h', 0);
  for (const symbol of ['BTCUSDT', 'ETHUSDT']) writeSeries(store, symbol, '1h', newest - span, newest);
  store.close();
}

async function integrity(args: string[]): Promise<{ exitCode: number; probe: ProbeResult }> {
  const run = await runCli([...args, 'health', '--json']);
  const snapshot = JSON.parse(run.stdout) as HealthSnapshot;
  return { exitCode: run.exitCode, probe: snapshot.probes.find((p) => p.id === 'integrity')! };
}

describe('health reuses the last integrity verdict of an unchanged market.db (ops.db integrity_verdicts)', () => {
  it('reuses it, saying when it was taken; a write to the store, or an old verdict, is checked again', async () => {
    const { args, dataDir, market } = dataDirWithStore();
    // The first run checks, and writes the continuity checkpoints (a write): the second checks once more.
    const first = await integrity(args);
    expect(first.probe).toMatchObject({ status: 'ok', detail: 'quick_check: ok' });
    expect(first.probe.reusedFrom).toBeUndefined();
    const second = await integrity(args);
    expect(second.probe.reusedFrom).toBeUndefined();

    const reused = await integrity(args);
    expect(reused.probe.status).toBe('ok');
    expect(typeof reused.probe.reusedFrom).toBe('number');
    expect(Date.now() - reused.probe.reusedFrom!).toBeLessThan(10 * MIN);
    expect(reused.probe.detail).toMatch(/^quick_check: ok \(checked \d{4}-\d\d-\d\dT\d\d:\d\dZ, market\.db unchanged since\)$/);
    // The table says it too.
    const table = await runCli([...args, 'health', '--only', 'integrity']);
    expect(table.stdout).toMatch(/integrity.*market\.db unchanged since/);

    // Proof that nothing was read: damage no write explains goes unseen until the file changes or the verdict ages.
    corruptKeepingMtime(market);
    expect((await integrity(args)).probe).toMatchObject({ status: 'ok', reusedFrom: reused.probe.reusedFrom });
    const ops = openOpsDb(dataDir);
    ops.prepare('UPDATE integrity_verdicts SET checked_at = checked_at - ?').run(10 * MIN);
    ops.close();
    const aged = await integrity(args);
    expect(aged.exitCode).toBe(2);
    expect(aged.probe.status).toBe('critical');
    expect(aged.probe.reusedFrom).toBeUndefined();
    // A verdict that is not ok is never reused.
    const again = await integrity(args);
    expect(again.probe).toMatchObject({ status: 'critical' });
    expect(again.probe.reusedFrom).toBeUndefined();
  });

  it('checks a store written since the verdict, and finds damage that came with a write', async () => {
    const { args, dataDir, market } = dataDirWithStore();
    await integrity(args);
    await integrity(args);
    expect((await integrity(args)).probe.reusedFrom).toEqual(expect.any(Number));

    // A sync's write: checked again, found fine, and that new verdict is what is reused next.
    writeCandles(dataDir, 40 * 24 * HOUR);
    const written = await integrity(args);
    expect(written.probe).toMatchObject({ status: 'ok', detail: 'quick_check: ok' });
    expect(written.probe.reusedFrom).toBeUndefined();

    // Damage written to the file (its mtime moves): found at once, not hidden behind the ok verdict.
    corruptMiddlePage(market);
    const damaged = await integrity(args);
    expect(damaged.exitCode).toBe(2);
    expect(damaged.probe.status).toBe('critical');
    expect(damaged.probe.reusedFrom).toBeUndefined();
  });
});
