import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fillUntilFull, mountTmpfs } from '../../../src/common/mounts.js';
import { catalog } from '../../backup/helpers.js';
import { actionsOf, e2e, expectSteady, explain, stepsOf, summaryOf, ticked } from './helpers.js';

describe('runbook backup-stale, end to end', () => {
  it('no verified backup (the scheduled one never ran): the disk and the store checked, a verified backup taken now; steady state, replication lag included', async () => {
    const t = await e2e();
    expect((await t.cli(['sync', '--json'])).exitCode).toBe(0);

    const run = await t.run('backup-stale');
    expectSteady(run);
    expect(summaryOf(run).steadyBefore).toBe(false);
    expect(stepsOf(run)).toEqual(['age:not-passed', 'disk:passed', 'integrity:passed', 'backup:ok', 'resolved:noted']);
    // Both rules of the steady state were judged (replication is off: its rule is clear, not unknown).
    const after = run.events.find((e) => e.event === 'steady-state' && e.phase === 'after')!;
    expect(after.results).toEqual([expect.objectContaining({ ok: true, data: expect.objectContaining({ undetermined: [] }) })]);
    const verified = catalog(t.dataDir).backups.filter((b) => b.result === 'verified');
    expect(verified).toHaveLength(1);

    const report = await t.report(summaryOf(run).incidentId as number);
    expect(report).toMatchObject({ runbook: 'backup-stale', state: 'resolved' });
    expect(report.impact).toMatch(/backup-stale: no verified backup/);
    expect(ticked(report)).toEqual(['Backup job failed']);
    expect(actionsOf(report)).toEqual(['age:not-passed', 'disk:passed', 'integrity:passed', 'backup:ok', 'resolved:noted']);
  }, 90_000);

  it('a full disk under the hot tier (the data dir has room): seen before any backup is tried; the runbook deletes nothing: it escalates (exit 1) and the page is delivered', async (ctx) => {
    const t = await e2e();
    expect((await t.cli(['sync', '--json'])).exitCode).toBe(0);
    const hot = path.join(t.dataDir, 'backups', 'hot');
    const unmount = mountTmpfs(hot, '256k');
    if (!unmount) return ctx.skip('a tmpfs cannot be mounted here (not root, or the container refuses it): the full backup disk cannot be planted');
    try {
      // The fault: the backup tier's filesystem is full.
      fillUntilFull(path.join(hot, 'filler'));

      const run = await t.run('backup-stale');
      expect(run.exitCode, explain(run)).toBe(1);
      expect(summaryOf(run)).toMatchObject({ outcome: 'escalated', steadyBefore: false, steadyAfter: null, reason: expect.stringMatching(/^disk: critically full: hot tier: .*; paged webhook/) });
      // The hot tier's own disk is full while the data dir has room: no futile backup, a page.
      expect(stepsOf(run), explain(run)).toEqual(['age:not-passed', 'disk:not-passed', 'page:sent']);
      expect(run.events.find((e) => e.step === 'disk')!.summary).toMatch(new RegExp(`^critically full: hot tier: 0 B free of .* \\(0\\.0%\\) on ${hot.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
      expect(catalog(t.dataDir).runs).toEqual([]);
      // Nothing was deleted to make room; no backup counts.
      expect(fs.existsSync(path.join(hot, 'filler'))).toBe(true);
      expect(catalog(t.dataDir).backups.filter((b) => b.result === 'verified')).toEqual([]);
      // The page reached the channel (the recording server), with the incident's summary.
      const incident = summaryOf(run).incidentId as number;
      const pages = t.hook.requests.filter((r) => JSON.stringify(r.body).includes(`incident #${incident} needs a person`));
      expect(pages.length).toBe(1);
      expect(JSON.stringify(pages[0]!.body)).toContain('Backup stale: the runbook could not reach its steady state');
      expect(summaryOf(run).paged).toMatchObject({ channels: ['webhook'] });

      const report = await t.report(incident);
      expect(report).toMatchObject({ runbook: 'backup-stale', state: 'escalated', recoveryMs: null, outcome: expect.stringMatching(/^disk: critically full: hot tier/) });
      expect(ticked(report)).toEqual(['Disk full']);
      expect(actionsOf(report)).toEqual(['age:not-passed', 'disk:not-passed', 'page:sent']);
    } finally {
      unmount();
    }
  }, 90_000);
});
