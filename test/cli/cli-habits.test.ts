import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, writeTestConfig } from '../helpers/cli.js';
import { simulator } from '../helpers/simulated-exchange.js';
import { tempDir } from '../helpers/temp-dir.js';

describe('the CLI for a tired person', () => {
  it('names a mistyped subcommand and suggests the right one (exit 2), whatever options follow', async () => {
    const typo = await runCli(['synk']);
    expect(typo.exitCode).toBe(2);
    expect(typo.stderr).toContain("unknown command 'synk' (did you mean sync?)");
    const withOptions = await runCli(['--data-dir', tempDir(), 'stauts', '--json']);
    expect(withOptions.exitCode).toBe(2);
    expect(withOptions.stderr).toContain("unknown command 'stauts' (did you mean status?)");
    // `help [command]` works like `[command] --help`.
    const help = await runCli(['help', 'sync']);
    expect(help.exitCode).toBe(0);
    expect(help.stdout).toMatch(/Usage: cfa-console sync/);
  });

  it('refuses to sync an interval the pipeline does not track unless asked explicitly', async () => {
    const dir = tempDir();
    writeTestConfig(dir, { symbols: ['BTCUSDT'] });
    const args = ['--data-dir', path.join(dir, 'data'), '--config', path.join(dir, 'config.json'), '--exchange-url', 'http://127.0.0.1:9'];
    const refused = await runCli([...args, 'sync', '--intervals', '2h']);
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toMatch(/--intervals: 2h is not tracked by this pipeline \(configured: 15m, 1h, 4h, 1d\).*--untracked-intervals/);
    expect(fs.existsSync(path.join(dir, 'data', 'market.db'))).toBe(false);
  });

  it('a data dir carries the config and exchange it was set up with: later commands without flags use them', async () => {
    const sim = await simulator({ symbols: 2 });
    const dir = tempDir();
    const config = writeTestConfig(dir, { symbols: sim.symbols.slice(0, 1), intervals: ['1h'], sync: { backfillDays: 1 } });
    const data = path.join(dir, 'data');
    const first = await runCli(['--data-dir', data, '--config', config, '--exchange-url', sim.url, 'sync', '--json']);
    expect(first.exitCode).toBe(0);
    expect(JSON.parse(fs.readFileSync(path.join(data, 'data-dir.json'), 'utf8'))).toMatchObject({ config, exchangeUrl: sim.url });
    // No --config, no --exchange-url: the dir's own settings, not the platform default and the real exchange.
    expect((await runCli(['--data-dir', data, 'config', 'path'])).stdout.trim()).toBe(config);
    const again = await runCli(['--data-dir', data, 'run', 'sync', '--wait', '--json']);
    expect(again.exitCode).toBe(0);
    const status = JSON.parse((await runCli(['--data-dir', data, 'status', '--json'])).stdout) as { lastRuns: { job: string; status: string }[] };
    expect(status.lastRuns[0]).toMatchObject({ job: 'sync', status: 'success' });
    // Flags still win over what the dir remembers.
    const other = writeTestConfig(tempDir(), {});
    expect((await runCli(['--data-dir', data, '--config', other, 'config', 'path'])).stdout.trim()).toBe(other);
  });
});
