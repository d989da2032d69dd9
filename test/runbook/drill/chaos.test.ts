import { afterEach, describe, expect, it } from 'vitest';
import { runCli, startCli } from '../../helpers/cli.js';
import { hashFiles, opsTables, processesNaming, realDataDir, sandboxesIn } from '../../helpers/drill.js';
import path from 'node:path';
import fs from 'node:fs';

/**
 * `cfa-console drill chaos` end to end: the real binary, one real sandbox (simulator, engine in
 * automatic mode, daemon), the drills' real faults and kill -9 of the engine; the alerts and
 * incidents are the engine's own. The "real" data dir beside it must not change at all.
 */

interface Episode {
  fault: string; expects: string | null; injected: string | null; injectedAtMs: number | null; alert: { rule: string; via: string | null } | null; error: string | null;
  healed: { job: string; runId: number; runStartedAtMs: number; runEndedAtMs: number | null; stored: number; firstLookAtMs: number } | null;
}

let killed: number[] = [];
afterEach(() => {
  for (const pid of killed.splice(0)) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
});

describe('cfa-console drill chaos', () => {
  it('--duration 2m --seed 1: faults from the catalogue and a kill -9 of the engine; 0 candles missing, 0 wrong, every fault raised its alert (or was healed before the leader looked), no incident open; the real data dir untouched but for the soak\'s row in the drill history', { timeout: 900_000 }, async () => {
    const { dataDir, env, sandboxes } = await realDataDir();
    const before = { files: hashFiles(dataDir), ops: opsTables(dataDir) };
    const run = await runCli(['drill', 'chaos', '--duration', '2m', '--seed', '1', '--json'], { env, timeout: 900_000 });
    // One JSON object on stdout; the progress went to stderr for the person watching.
    expect(run.events, run.stdout.slice(-2000)).toHaveLength(1);
    const r = run.events[0]!;
    expect(r.reasons, run.stderr.slice(-3000)).toEqual([]);
    expect(r).toMatchObject({ event: 'chaos', seed: 1, passed: true, candles: { missing: 0, wrong: 0 }, alertsLost: [] });
    expect((r.candles as { series: number }).series).toBeGreaterThan(0);
    expect(run.stderr).toMatch(/chaos \d\d:\d\d .*injected: /);

    // The table's counts agree with what happened, fault by fault.
    const episodes = r.episodes as Episode[];
    expect(r.faultsInjected).toBeGreaterThanOrEqual(1);
    expect(r.faultsInjected).toBe(episodes.filter((e) => e.injected !== null).length);
    expect(r.engineKills).toBeGreaterThanOrEqual(1);
    const drillFaults = episodes.filter((e) => e.expects !== null);
    expect(drillFaults.length).toBeGreaterThanOrEqual(1);
    for (const e of drillFaults) {
      expect(e.error, e.fault).toBeNull();
      if (e.healed) {
        // No alert was due: a sync refilled the store before the leader's first look after the
        // fault (the candles deleted by stale-data; see chaos-heal.ts).
        expect(e.alert, e.fault).toBeNull();
        expect(e.healed).toMatchObject({ job: 'sync', stored: expect.any(Number) });
        expect(e.healed.stored).toBeGreaterThan(0);
        expect(e.healed.runEndedAtMs).toBeGreaterThanOrEqual(e.injectedAtMs!);
        expect(e.healed.firstLookAtMs).toBeGreaterThanOrEqual(e.injectedAtMs!);
        expect(e.healed.firstLookAtMs).toBeGreaterThanOrEqual(e.healed.runStartedAtMs);
        expect(r.healedBeforeAlert).toContainEqual(expect.objectContaining({ fault: e.fault, by: expect.stringMatching(new RegExp(`^sync run ${e.healed.runId} `)) }));
        continue;
      }
      // Its own alert, or one whose runbook handed over to the fault's (caught another way first).
      if (e.alert?.via) expect(e.alert.via, `${e.fault}'s alert`).toMatch(new RegExp(` → ${e.fault}$`));
      else expect(e.alert?.rule, `${e.fault}'s alert`).toBe(e.expects);
    }
    expect((r.healedBeforeAlert as unknown[]).length).toBe(drillFaults.filter((e) => e.healed).length);
    const alertList = r.alertList as Array<{ rule: string }>;
    expect(r.alertsRaised).toBe(alertList.length);
    for (const e of drillFaults.filter((x) => x.alert)) expect(alertList.map((a) => a.rule)).toContain(e.alert!.rule);
    const incidents = r.incidents as Record<string, number>;
    expect(incidents.open).toBe(0);
    expect(incidents.opened).toBeGreaterThanOrEqual(1);
    expect(incidents.resolvedAutomatically! + incidents.resolvedByHand! + incidents.escalated! + incidents.aborted!).toBe(incidents.opened);

    expect(run.exitCode, run.stderr.slice(-2000)).toBe(0);
    expect(hashFiles(dataDir)).toEqual(before.files);
    expect(opsTables(dataDir)).toEqual(before.ops);
    expect(sandboxesIn(sandboxes)).toEqual([]);
    // The soak is kept in the real data dir's drill history, with its table.
    const history = await runCli(['drill', 'history', '--json'], { env });
    expect(history.exitCode, history.stderr).toBe(0);
    expect(history.events).toEqual([expect.objectContaining({
      kind: 'chaos', scenario: 'chaos', passed: true, seed: 1, durationMs: 120_000, startedAt: r.startedAt, endedAt: r.endedAt,
      faultsInjected: r.faultsInjected, alertsRaised: r.alertsRaised, alertsLost: [], incidents: r.incidents, candles: r.candles,
    })]);
    // The progress a person watches names the engine's kill and its restart.
    expect(run.stderr).toMatch(/engine-kill injected: engine PID \d+ killed with SIGKILL/);
    expect(run.stderr).toMatch(/engine-kill reverted: engine restarted: PID \d+ leads/);
  });

  it('SIGTERM in the middle stops the soak, removes its sandbox (engine, daemon and all) and exits non-zero; the real data dir untouched', async () => {
    const { dataDir, env, sandboxes } = await realDataDir();
    const before = { files: hashFiles(dataDir), ops: opsTables(dataDir) };
    const child = startCli(['drill', 'chaos', '--duration', '10m', '--seed', '2'], { env, buffer: false });
    let stderr = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the soak did not start injecting: ${stderr}`)), 180_000);
      child.stderr!.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (/injected: /.test(stderr)) { clearTimeout(timer); resolve(); }
      });
    });
    const [box] = sandboxesIn(sandboxes);
    expect(box).toBeDefined();
    const dir = path.join(sandboxes, box!);
    killed = processesNaming(dir);
    expect(killed.length).toBeGreaterThan(0);
    child.kill('SIGTERM');
    const result = await child.catch((error: { exitCode?: number }) => error);
    expect((result as { exitCode?: number }).exitCode).toBe(1);
    expect(fs.existsSync(dir)).toBe(false);
    expect(processesNaming(dir)).toEqual([]);
    expect(hashFiles(dataDir)).toEqual(before.files);
    expect(opsTables(dataDir)).toEqual(before.ops);
  }, 300_000);

  it('refuses a bad --duration or --seed, naming it', async () => {
    const { env } = await realDataDir();
    const noDuration = await runCli(['drill', 'chaos'], { env });
    expect(noDuration.exitCode).toBe(2);
    expect(noDuration.stderr).toMatch(/--duration/);
    const bad = await runCli(['drill', 'chaos', '--duration', 'soon'], { env });
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(/--duration takes a duration such as 2m or 10m, got "soon"/);
    const seed = await runCli(['drill', 'chaos', '--duration', '2m', '--seed', '1.5'], { env });
    expect(seed.exitCode).toBe(2);
    expect(seed.stderr).toMatch(/--seed must be a whole number of 0 or more, got "1.5"/);
  });
});
