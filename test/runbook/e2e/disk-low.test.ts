import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fillUntilFull, mountTmpfs } from '../../../src/common/mounts.js';
import { parseJsonLines, type CliRun } from '../../helpers/cli.js';
import { actionsOf, e2e, expectSteady, stepsOf, summaryOf, ticked } from './helpers.js';

describe('runbook disk-low, end to end', () => {
  it('a nearly full data disk: what takes the space shown, nothing deleted by the runbook; a person frees space and the disk probe is ok again', async (ctx) => {
    const t = await e2e();
    const unmount = mountTmpfs(t.dataDir, '16m');
    if (!unmount) return ctx.skip('a tmpfs cannot be mounted here (not root, or the container refuses it): the full disk cannot be planted');
    try {
      expect((await t.cli(['sync', '--json'])).exitCode).toBe(0);
      // The fault: the filesystem is filled, then 3% left (under the 5% critical line) so the stores can still be written.
      const filler = path.join(t.dataDir, 'old-export.bin');
      const full = fillUntilFull(filler);
      const { blocks, bsize } = fs.statfsSync(t.dataDir);
      fs.truncateSync(filler, full - Math.floor(blocks * bsize * 0.03));

      // The person on call frees the space once the runbook has shown the disk is low.
      const child = t.start(['runbook', 'run', 'disk-low', '--yes', '--json']);
      let out = '';
      let freed = false;
      child.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (!freed && /"step":"disk"/.test(out)) {
          fs.rmSync(filler);
          freed = true;
        }
      });
      const done = await child;
      const run: CliRun = { exitCode: done.exitCode ?? -1, stdout: out, stderr: String(done.stderr ?? ''), events: parseJsonLines(out) };
      expectSteady(run);
      expect(summaryOf(run).steadyBefore).toBe(false);
      expect(stepsOf(run)).toEqual(['disk:not-passed', 'usage:passed', 'free-space:noted', 'wait-space:ok', 'resolved:noted']);
      expect(run.events.find((e) => e.step === 'disk')!.summary).toMatch(/^Disk free: critical: .* \([0-4](\.\d)?%\)/);
      expect(freed).toBe(true);
      // The runbook deleted nothing of the data dir.
      expect(fs.existsSync(path.join(t.dataDir, 'market.db'))).toBe(true);
      expect(t.differences()).toEqual([]);

      const report = await t.report(summaryOf(run).incidentId as number);
      expect(report).toMatchObject({ runbook: 'disk-low', state: 'resolved' });
      expect(report.impact).toMatch(/disk-low: /);
      expect(ticked(report)).toEqual(['Disk full']);
      expect(actionsOf(report)).toEqual(['disk:not-passed', 'usage:passed', 'free-space:noted', 'wait-space:ok', 'resolved:noted']);
    } finally {
      unmount();
    }
  }, 90_000);
});
