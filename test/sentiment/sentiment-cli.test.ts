import { afterEach, describe, expect, it } from 'vitest';
import { startFearGreedStandIn, startFredStandIn, syntheticFredSeries, type FearGreedStandIn, type FredStandIn } from '../../src/exchange/simulator/index.js';
import { runCli, writeTestConfig } from '../helpers/cli.js';
import { simulator } from '../helpers/simulated-exchange.js';
import { tempDir } from '../helpers/temp-dir.js';

const KEY = 'cli-test-fred-key';
const standIns: (FredStandIn | FearGreedStandIn)[] = [];
afterEach(async () => {
  await Promise.all(standIns.splice(0).map((s) => s.close()));
});

async function setup() {
  const sim = await simulator({ symbols: ['BTCUSDT', 'ETHUSDT'], windowMs: 1000 });
  const fng = await startFearGreedStandIn();
  const fred = await startFredStandIn({ apiKey: KEY, series: { DFF: syntheticFredSeries('DFF', new Date().toISOString().slice(0, 10), 30) } });
  standIns.push(fng, fred);
  const dir = tempDir();
  const config = writeTestConfig(dir, {
    symbols: ['BTCUSDT', 'ETHUSDT'],
    exchange: { url: sim.url },
    sentiment: { binance: { backfillDays: 2, fundingBackfillDays: 2 }, fearGreed: { url: fng.url, backfillDays: 10 }, fred: { url: fred.url, series: ['DFF'] } },
  });
  return { base: ['--data-dir', dir, '--config', config], fng, env: { CFA_FRED_API_KEY: KEY } };
}

describe('cfa-console sentiment', () => {
  it('--json: a line per source and a summary; exit 0 when every source is complete', async () => {
    const { base, env } = await setup();
    const run = await runCli([...base, 'sentiment', '--json'], { env });
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    expect(run.events.filter((e) => e.event === 'source').map((e) => `${e.source} ${e.status}`).sort()).toEqual(['binance ok', 'fng ok', 'fred ok']);
    const summary = run.events.at(-1)!;
    expect(summary).toMatchObject({ event: 'summary', status: 'ok', failed: [] });
    expect((summary.binance as { requests: number }).requests).toBeGreaterThan(0);

    const text = await runCli([...base, 'sentiment', '--sources', 'fng,fred'], { env });
    expect(text.exitCode).toBe(0);
    expect(text.stdout).toMatch(/^✔ sentiment complete: /);
    expect(text.stdout).not.toMatch(/binance/);
  });

  it('one source down: exit 1, status partial naming it; bad flags exit 2 naming the value', async () => {
    const { base, env, fng } = await setup();
    fng.setDown(true);
    const run = await runCli([...base, 'sentiment', '--json', '--symbols', 'BTCUSDT'], { env });
    expect(run.exitCode).toBe(1);
    expect(run.events.at(-1)).toMatchObject({ event: 'summary', status: 'partial', failed: ['fng: fear & greed'] });
    const text = await runCli([...base, 'sentiment', '--symbols', 'BTCUSDT'], { env });
    expect(text.stdout).toMatch(/▲ sentiment partial/);
    expect(text.stdout).toMatch(/✖ fng\s+failed/);

    const bad = await runCli([...base, 'sentiment', '--symbols', 'btc-usdt']);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(/--symbols "btc-usdt" is not valid/);
  });
});
