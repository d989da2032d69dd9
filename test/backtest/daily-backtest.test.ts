import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { backtestJob } from '../../jobs/backtest.js';
import { summarizeUsage } from '../../src/backtest/daily-backtest.js';
import { runJob } from '../../src/engine/job-runner.js';
import { getRun } from '../../src/engine/run-history.js';
import { openOpsDb } from '../../src/store/ops-db.js';
import { CLI, runCli, writeTestConfig } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp-dir.js';

/** Alive as a process that runs (a zombie nobody reaps is dead for us). */
function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^[ZX]$/.test(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0] ?? '');
  } catch {
    return false;
  }
}

const WRITES_RESULT = "const end = Date.now() + 600; while (Date.now() < end) {} const fs = require('fs'); fs.writeFileSync(process.env.CFA_BACKTEST_RESULT_FILE, JSON.stringify({ trades: 12, dataDir: process.env.CFA_DATA_DIR })); console.log('backtest done')";
const HANGS = "require('fs').writeFileSync(process.env.CFA_BACKTEST_RESULT_FILE + '.pid', String(process.pid)); setInterval(() => {}, 1000)";

describe('the daily backtest job', () => {
  it('runs backtest.command without a shell and records its exit, duration and result file', async () => {
    const dir = tempDir();
    const resultFile = path.join(dir, 'out', 'result.json');
    const config = writeTestConfig(dir, { backtest: { command: [process.execPath, '-e', WRITES_RESULT], resultFile, sampleEvery: '100ms' } });
    const run = await runCli(['--data-dir', dir, '--config', config, 'backtest', '--json']);
    expect(run.exitCode).toBe(0);
    expect(run.events.find((e) => e.event === 'output')).toMatchObject({ line: 'backtest done' });
    expect(run.events.at(-1)).toMatchObject({
      event: 'summary', status: 'success', exitCode: 0, resultFile, resultWritten: true, result: { trades: 12, dataDir: dir },
    });
    expect(typeof run.events.at(-1)!.durationMs).toBe('number');
    // Its CPU and RSS were sampled against the seeds' budget while it ran.
    const usage = run.events.at(-1)!.usage as Record<string, number>;
    expect(usage.samples).toBeGreaterThan(0);
    expect(usage.rssBytesMax).toBeGreaterThan(1024 * 1024);
    expect(usage.cpuBudgetPercent).toBe(30);
  });

  it('judges CPU as a share of the host against the budget (pidusage counts 100 per core)', () => {
    expect(summarizeUsage([{ cpuPercent: 100, rssBytes: 5 }, { cpuPercent: 40, rssBytes: 9 }], 2, 30)).toEqual({
      samples: 2, cpuPercentMax: 50, cpuPercentMean: 35, rssBytesMax: 9, cpuBudgetPercent: 30, overBudget: 1,
    });
    expect(summarizeUsage([], 4, 30)).toMatchObject({ samples: 0, cpuPercentMax: null, overBudget: 0 });
  });

  it('fails when the command exits non-zero, and names a result file that was not written', async () => {
    const dir = tempDir();
    const config = writeTestConfig(dir, { backtest: { command: [process.execPath, '-e', 'process.exit(3)'] } });
    const run = await runCli(['--data-dir', dir, '--config', config, 'backtest']);
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toMatch(/✖ backtest failed: exit 3/);
    expect(run.stdout).toMatch(/daily-\d{4}-\d{2}-\d{2}\.json \(not written by this run\)/);
  });

  it('the scheduled job skips a machine without backtest.command; by hand it is a configuration error', async () => {
    const dir = tempDir();
    const config = writeTestConfig(dir);
    expect((await runCli(['--data-dir', dir, '--config', config, 'backtest'])).exitCode).toBe(2);
    const db = openOpsDb(dir);
    try {
      const outcome = await runJob(
        { job: 'backtest', trigger: 'schedule', options: backtestJob.options, timeoutMs: 60_000, killGraceMs: 500 },
        { db, dataDir: dir, cliCommand: [process.execPath, CLI, '--data-dir', dir, '--config', config] },
      );
      // Recorded as skipped with its reason, like a backup with nothing to back up: not a success, never a failure.
      expect(outcome).toMatchObject({ status: 'skipped', exitCode: 0, summary: { status: 'skipped', reason: 'backtest.command is not configured' } });
    } finally {
      db.close();
    }
  });

  it('is killed at its timeout by the job runner: exit 124, recorded as a timeout, nothing left running', async () => {
    const dir = tempDir();
    const resultFile = path.join(dir, 'result.json');
    const config = writeTestConfig(dir, { backtest: { command: [process.execPath, '-e', HANGS], resultFile } });
    const db = openOpsDb(dir);
    try {
      const outcome = await runJob(
        { job: 'backtest', trigger: 'schedule', options: backtestJob.options, timeoutMs: 6000, killGraceMs: 500 },
        { db, dataDir: dir, cliCommand: [process.execPath, CLI, '--data-dir', dir, '--config', config] },
      );
      expect(outcome).toMatchObject({ status: 'timeout', exitCode: 124 });
      expect(getRun(db, outcome.runId)).toMatchObject({ status: 'timeout', exitCode: 124 });
      const pid = Number(fs.readFileSync(`${resultFile}.pid`, 'utf8'));
      expect(pid).toBeGreaterThan(0);
      expect(running(pid)).toBe(false);
    } finally {
      db.close();
    }
  });
});
