import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { insertVerifiedBackup, listBackups } from '../../../src/backup/catalog.js';
import { startSimulator } from '../../../src/exchange/simulator/index.js';
import { openOpsDb } from '../../../src/store/ops-db.js';
import { runCli, startCli, writeTestConfig } from '../../helpers/cli.js';
import { hashFiles, opsTables, processesNaming, realDataDir, sandboxesIn } from '../../helpers/drill.js';
import { tempDir } from '../../helpers/temp-dir.js';

/**
 * `cfa-console drill` end to end: the real binary, real sandboxes (simulator, engine, daemon),
 * real faults, the alerts fired by the real rules. The "real" data dir is a temp dir with a
 * store, a log and an ops.db; drills put their sandboxes under a TMPDIR of the test's own.
 */

let killed: number[] = [];
afterEach(() => {
  for (const pid of killed.splice(0)) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
});

describe('cfa-console drill', () => {
  it('lists the scenarios: the runbooks that declare a drill, with the alert each must raise', async () => {
    const list = await runCli(['drill', 'list', '--json'], { env: { CFA_DATA_DIR: tempDir() } });
    expect(list.exitCode, list.stderr).toBe(0);
    const scenarios = list.events.map((e) => e.scenario);
    expect(scenarios).toEqual(expect.arrayContaining(['daemon-dead', 'stale-data', 'db-corruption']));
    expect(list.events.find((e) => e.scenario === 'db-corruption')).toMatchObject({ expects: 'db-corruption', fault: 'faults.corruptPage', targetTime: '30m' });
    const bad = await runCli(['drill', '--all'], { env: { CFA_DATA_DIR: tempDir() } });
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(/add --yes/);
  });

  it('drill --all --yes --json: every declared drill injects its fault, its alert fires, the runbook reaches steady state; the real data dir is untouched but for the history', async () => {
    const { dataDir, env, sandboxes } = await realDataDir();
    const before = { files: hashFiles(dataDir), ops: opsTables(dataDir) };
    const run = await runCli(['drill', '--all', '--yes', '--json'], { env, timeout: 1_200_000 });
    const results = run.events.filter((e) => e.event === 'drill');
    // A run that ends early says why: its exit code and the end of its stderr.
    expect(results.map((r) => r.scenario), `exit ${run.exitCode}: ${run.stderr.slice(-3000)}`).toEqual(expect.arrayContaining(['daemon-dead', 'stale-data', 'db-corruption', 'missing-symbols', 'backup-stale', 'disk-low', 'sentiment-stale']));
    expect(results.filter((r) => r.expected === 'resolved').length).toBeGreaterThanOrEqual(3);
    for (const r of results) {
      // Not root (or a container that refuses mounts): the small-disk drill says so and is skipped.
      if (r.skipped) { expect(r.skipped).toMatch(/cannot be mounted here/); continue; }
      const score = r.score as Record<string, unknown>;
      expect(typeof score.toAlertMs).toBe('number');
      // Headless, the automatic run acknowledges the alert as it opens the runbook.
      expect(score).toMatchObject({ toAckMs: expect.any(Number), ackedBy: `runbook ${String(r.scenario)} (automatic)` });
      if (r.expected === 'escalated') {
        // A fault only a person can fix in the sandbox: the drill rehearses the page.
        expect(r, `${String(r.scenario)}: ${String(r.reason)}`).toMatchObject({ passed: true, outcome: 'escalated' });
        expect(typeof score.toEscalatedMs).toBe('number');
      } else {
        expect(r, `${String(r.scenario)}: ${String(r.reason)}`).toMatchObject({ passed: true, outcome: 'resolved', steadyAfter: true });
        // Fixed and reverted: the sandbox's engine resolved the alert by its own rules.
        expect(r.cleared, String(r.scenario)).toEqual({ afterMs: expect.any(Number) });
        expect(typeof score.toSteadyMs).toBe('number');
      }
      expect((r.alert as { rule: string }).rule).toBeTruthy();
      expect((r.report as Record<string, unknown>).drill).toBe(true);
      if (r.candles) expect(r.candles).toMatchObject({ missing: 0, wrong: 0 });
    }
    expect(run.events.at(-1)).toMatchObject({ event: 'summary', failed: 0, passed: results.filter((r) => !r.skipped).length });
    expect(run.exitCode, run.stderr.slice(-2000)).toBe(0);

    expect(hashFiles(dataDir)).toEqual(before.files);
    expect(opsTables(dataDir)).toEqual(before.ops);
    expect(sandboxesIn(sandboxes)).toEqual([]);

    const history = await runCli(['drill', 'history', '--json'], { env });
    expect(history.exitCode).toBe(0);
    const ran = results.filter((r) => !r.skipped);
    expect(history.events.map((e) => e.scenario).sort()).toEqual(ran.map((r) => r.scenario).sort());
    expect(history.events.every((e) => e.passed === true && e.mode === 'headless')).toBe(true);
    const table = await runCli(['drill', 'history'], { env });
    expect(table.stdout).toMatch(/daemon-dead\s+headless/);
    // The SLA audit counts the monthly drill.
    const sla = await runCli(['sla-audit', '--json'], { env });
    expect(sla.events[0]!.gameDays).toMatchObject({ count: ran.length, passed: ran.length, failed: 0, met: true });
  }, 1_200_000);

  it('a drill killed with kill -9 leaves its sandbox (engine and all); the next drill stops it and removes it; the real data dir stays untouched', async () => {
    const { dataDir, env, sandboxes } = await realDataDir();
    const before = { files: hashFiles(dataDir), ops: opsTables(dataDir) };
    const child = startCli(['drill', 'daemon-dead', '--yes'], { env, buffer: false });
    let stderr = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the drill did not reach its steady state: ${stderr}`)), 120_000);
      child.stderr!.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (/drill daemon-dead: steady/.test(stderr)) { clearTimeout(timer); resolve(); }
      });
    });
    child.kill('SIGKILL');
    await child.catch(() => {});
    const [left] = sandboxesIn(sandboxes);
    expect(left).toBeDefined();
    const dir = path.join(sandboxes, left!);
    const orphans = processesNaming(dir);
    killed = orphans;
    expect(orphans.length).toBeGreaterThan(0);

    const next = await runCli(['drill', 'daemon-dead', '--yes', '--json'], { env, timeout: 300_000 });
    expect(next.exitCode, next.stderr.slice(-2000)).toBe(0);
    expect(next.events.find((e) => e.event === 'sandbox' && e.stage === 'leftovers-removed')).toMatchObject({ dirs: [dir] });
    expect(fs.existsSync(dir)).toBe(false);
    expect(processesNaming(dir)).toEqual([]);
    expect(sandboxesIn(sandboxes)).toEqual([]);
    expect(hashFiles(dataDir)).toEqual(before.files);
    expect(opsTables(dataDir)).toEqual(before.ops);
  }, 400_000);

  it('--from-backup seeds the sandbox from the newest verified backup of the real data dir, which is only read', async () => {
    const sim = await startSimulator({ symbols: ['BTCUSDT', 'ETHUSDT'] });
    try {
      const root = tempDir('cfa-drill-backup-');
      const dataDir = path.join(root, 'real');
      const sandboxes = path.join(root, 'tmp');
      fs.mkdirSync(sandboxes);
      const config = writeTestConfig(root, { symbols: ['BTCUSDT', 'ETHUSDT'], sync: { backfillDays: 1 } });
      const args = ['--data-dir', dataDir, '--config', config, '--exchange-url', sim.url];
      expect((await runCli([...args, 'sync'])).exitCode).toBe(0);
      const backup = await runCli([...args, 'backup']);
      expect(backup.exitCode, backup.stderr).toBe(0);
      // A newer pg_dump in the catalog (the store was on PostgreSQL once): never copied in as market.db.
      const dump = path.join(root, 'market.dump');
      fs.writeFileSync(dump, 'PGDMP');
      const ops = openOpsDb(dataDir);
      const sqliteBackupId = listBackups(ops)[0]!.id;
      insertVerifiedBackup(ops, { tier: 'hot', backend: 'postgres', location: dump, sizeBytes: 5, sha256: 'd'.repeat(64), md5: null, createdAt: Date.now() + 60_000, newestCandle: null, schemaVersion: 1, rowCounts: {}, verifiedAt: Date.now() });
      ops.close();
      const env = { CFA_DATA_DIR: dataDir, TMPDIR: sandboxes };
      expect((await runCli(['drill', 'history'], { env })).exitCode).toBe(0);
      const before = { files: hashFiles(dataDir), ops: opsTables(dataDir) };

      const run = await runCli(['drill', 'stale-data', '--yes', '--from-backup', '--json'], { env, timeout: 300_000 });
      expect(run.events.find((e) => e.event === 'sandbox' && e.stage === 'seeded')).toMatchObject({ from: 'backup', backupId: sqliteBackupId });
      const result = run.events.find((e) => e.event === 'drill')!;
      expect(result, String(result?.reason)).toMatchObject({ passed: true, candles: { missing: 0, wrong: 0 } });
      expect(run.exitCode).toBe(0);
      expect(hashFiles(dataDir)).toEqual(before.files);
      expect(opsTables(dataDir)).toEqual(before.ops);
      expect(sandboxesIn(sandboxes)).toEqual([]);
    } finally {
      await sim.close();
    }
  }, 300_000);
});
