import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Declined } from '../../../src/common/plan.js';
import { runOperation } from '../../../src/ops/index.js';
import { actions, checks } from '../../../src/runbook/library/index.js';
import { backupEnv, clockedSimulator, corruptMiddle, catalog, filesIn } from '../../backup/helpers.js';
import { stepContext } from './helpers.js';

/** A store synced from the simulator and backed up by the library's own call. */
async function backedUpStore() {
  const { sim } = await clockedSimulator(2);
  const symbols = sim.symbols.slice(0, 2);
  const env = backupEnv({ symbols, sync: { backfillDays: 20 } }, sim.url);
  const ctx = stepContext({ dataDir: env.dataDir, configFile: env.configFile, exchangeUrl: sim.url });
  const synced = await runOperation('sync', {}, ctx);
  expect(synced.status).toBe('success');
  return { sim, env, ctx, market: path.join(env.dataDir, 'market.db') };
}

describe('step library: the store (integrity, recover, backup, restore, rules)', () => {
  it('backs up now with no leader: the run is recorded here and the backup probe turns ok', async () => {
    const { env, ctx } = await backedUpStore();
    expect((await checks.backupAge().run(ctx)).ok).toBe(false);
    const plan = await actions.backupNow().plan!(ctx);
    expect(plan).toMatchObject({ action: 'backup', risk: 'mutate' });
    const r = await actions.backupNow().run(ctx);
    expect(r.ok, r.summary).toBe(true);
    expect(r.data).toMatchObject({ status: 'success' });
    expect(r.data.runId).toEqual(expect.any(Number));
    expect(catalog(env.dataDir).backups.filter((b) => b.result === 'verified').length).toBeGreaterThan(0);
    // The backup-stale runbook's alreadyDone and steady state.
    const age = await checks.backupAge().run(ctx);
    expect(age.ok, age.summary).toBe(true);
    expect((await checks.rulesClear(['backup-stale']).run(ctx)).ok).toBe(true);
  }, 60_000);

  it('a corrupted page: integrity says so with integrity_check\'s lines, the rule fires; recover asks with its plan, cures, and is then already done', async () => {
    const { env, ctx, market } = await backedUpStore();
    expect((await actions.backupNow().run(ctx)).ok).toBe(true);
    expect((await checks.integrity().run(ctx)).ok).toBe(true);
    corruptMiddle(market);

    const found = await checks.integrity({ lines: 5 }).run(ctx);
    expect(found.ok).toBe(false);
    expect(['corrupt', 'index-only', 'not-a-database']).toContain(found.data.state);
    expect(found.output!.length).toBeGreaterThan(0);
    expect(found.output!.length).toBeLessThanOrEqual(5);
    expect(found.output).not.toEqual(['ok']);
    const rule = await checks.rulesClear(['db-corruption']).run(ctx);
    expect(rule.ok).toBe(false);
    expect(rule.summary).toMatch(/db-corruption: integrity check failed/);

    // The plan, without doing anything: the damaged file is untouched.
    const before = fs.readFileSync(market);
    const plan = await actions.recover().plan!(ctx);
    expect(plan.risk).toBe('destructive');
    expect(plan.facts.length).toBeGreaterThan(0);
    expect(fs.readFileSync(market).equals(before)).toBe(true);

    // Declined at the prompt: nothing changes, the step fails.
    const declining = stepContext({ dataDir: env.dataDir, configFile: env.configFile, exchangeUrl: ctx.loaded.config.exchange.url, confirm: async () => { throw new Declined('no'); } });
    await expect(actions.recover().run(declining)).rejects.toThrow();
    expect(fs.readFileSync(market).equals(before)).toBe(true);

    const cured = await actions.recover().run(ctx);
    expect(cured.ok, cured.summary).toBe(true);
    expect(ctx.plans.map((p) => p.action)).toContain('recover');
    expect((await checks.integrity().run(ctx)).ok).toBe(true);
    expect((await checks.rulesClear(['db-corruption']).run(ctx)).ok).toBe(true);
    // The damaged files are kept for forensics.
    expect(filesIn(path.join(env.dataDir, 'quarantine')).length).toBeGreaterThan(0);
    // A re-run after a crash: restoredRecently / integrity say it is done.
    expect((await checks.restoredRecently({ withinMs: 3_600_000 }).run(ctx)).ok).toBe(true);
  }, 90_000);

  it('the 48 h rollback refuses when no backup is that old, and changes nothing', async () => {
    const { ctx, market } = await backedUpStore();
    expect((await actions.backupNow().run(ctx)).ok).toBe(true);
    const before = fs.readFileSync(market);
    const rollback = actions.restoreBackup({ beforeMs: 48 * 3_600_000 });
    await expect(rollback.plan!(ctx)).rejects.toThrow(/no verified backup taken before/);
    const r = await rollback.run(ctx);
    expect(r.ok).toBe(false);
    expect(r.summary).toMatch(/restore refused: no verified backup taken before/);
    expect(fs.readFileSync(market).equals(before)).toBe(true);
    expect((await checks.restoredRecently({ withinMs: 3_600_000, kind: 'restore' }).run(ctx)).ok).toBe(false);
    // The newest one restores, after its plan went through confirm.
    const latest = await actions.restoreBackup().run(ctx);
    expect(latest.ok, latest.summary).toBe(true);
    expect(ctx.plans.at(-1)).toMatchObject({ action: 'restore', risk: 'destructive' });
    expect((await checks.restoredRecently({ withinMs: 3_600_000, kind: 'restore' }).run(ctx)).ok).toBe(true);
  }, 90_000);
});
