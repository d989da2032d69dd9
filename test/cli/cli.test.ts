import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseJsonLines, runCli, startCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp-dir.js';

describe('cfa-console (the binary)', () => {
  it('has --help on every subcommand, and the help names the global flags', async () => {
    for (const args of [['--help'], ['sync', '--help'], ['simulate-exchange', '--help'], ['config', '--help'], ['config', 'set', '--help']]) {
      const run = await runCli(args);
      expect(run.exitCode, args.join(' ')).toBe(0);
      expect(run.stdout).toMatch(/Usage: cfa-console/);
    }
    const top = await runCli(['--help']);
    for (const flag of ['--data-dir', '--config', '--exchange-url', '--no-color', '--demo']) expect(top.stdout).toContain(flag);
  });

  it('exits 2 on an unknown command or option', async () => {
    expect((await runCli(['frobnicate'])).exitCode).toBe(2);
    expect((await runCli(['--frobnicate'])).exitCode).toBe(2);
  });

  it('config set refuses a bad value with key, value and the fix (exit 2) and keeps the file', async () => {
    const file = path.join(tempDir(), 'c.json');
    expect((await runCli(['--config', file, 'config', 'set', 'exchange.weightBudget', '300'])).exitCode).toBe(0);
    const bad = await runCli(['--config', file, 'config', 'set', 'exchange.weightBudget', '99999']);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(/exchange\.weightBudget = 99999: .*<=2400/);
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual({ exchange: { weightBudget: 300 } });
    const get = await runCli(['--config', file, 'config', 'get', 'exchange.weightBudget']);
    expect(get.stdout.trim()).toBe('300');
    const show = await runCli(['--config', file, '--data-dir', '/srv/cfa', 'config', 'show', '--json']);
    expect(JSON.parse(show.stdout)).toMatchObject({ dataDir: '/srv/cfa', exchange: { weightBudget: 300 } });
    expect((await runCli(['--config', file, 'config', 'path'])).stdout.trim()).toBe(file);
    expect((await runCli(['--config', file, 'config', 'validate'])).exitCode).toBe(0);
    fs.writeFileSync(file, '{"sync": {"concurrency": 0}}');
    const invalid = await runCli(['--config', file, 'config', 'validate']);
    expect(invalid.exitCode).toBe(2);
    expect(invalid.stderr).toMatch(/sync\.concurrency = 0/);
  });

  it('simulate-exchange serves on loopback and stops cleanly on SIGTERM', async () => {
    const child = startCli(['simulate-exchange', '--port', '0', '--symbols', '3'], { buffer: false });
    const line = await new Promise<string>((resolve) => child.stdout!.once('data', (d: Buffer) => resolve(d.toString())));
    const { url } = parseJsonLines(line)[0] as { url: string };
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const info = await (await fetch(`${url}/fapi/v1/exchangeInfo`)).json() as { symbols: { symbol: string }[] };
    expect(info.symbols.map((s) => s.symbol)).toEqual(['BTCUSDT', 'ETHUSDT', 'BNBUSDT']);
    child.kill('SIGTERM');
    const done = await child;
    expect(done.exitCode).toBe(0);
    await expect(fetch(`${url}/fapi/v1/time`)).rejects.toThrow();
  });

  it('simulate-exchange refuses a bad fault spec with exit 2', async () => {
    const run = await runCli(['simulate-exchange', '--faults', 'latency=fast']);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(/latency/);
  });

  it('--demo syncs against the built-in simulator with no exchange and no config', async () => {
    const dir = tempDir();
    const run = await runCli(['--demo', '--data-dir', dir, 'sync', '--symbols', 'BTCUSDT,ETHUSDT', '--backfill-days', '2', '--json'], { env: { CFA_CONFIG: path.join(dir, 'none.json') } });
    expect(run.exitCode).toBe(0);
    expect(run.stderr).toMatch(/demo: simulated exchange at http:\/\/127\.0\.0\.1:\d+/);
    expect(run.events.at(-1)).toMatchObject({ event: 'summary', status: 'success', series: { ok: 8 } });
    expect(fs.existsSync(path.join(dir, 'market.db'))).toBe(true);
  });
});
