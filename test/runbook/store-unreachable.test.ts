import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runRunbook } from '../../src/ops/runbook.js';
import { apply, initialState, type RunState } from '../../src/runbook/machine.js';
import { checks } from '../../src/runbook/library/index.js';
import type { RunbookDecl, StepResult } from '../../src/runbook/types.js';
import { RUNBOOKS } from '../../runbooks/index.js';
import { writeTestConfig } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp-dir.js';
import { stepContext } from './library/helpers.js';

/** The runbook from its step `id` on, as if every step before had passed over to it. */
function from(rb: RunbookDecl, id: string): RunbookDecl {
  return { ...rb, steps: rb.steps.slice(rb.steps.findIndex((s) => s.id === id)) };
}

function integrityResult(rb: RunbookDecl, result: StepResult): RunState {
  const d = from(rb, 'integrity');
  let s = apply(d, initialState(d), { type: 'steady-state', at: 1, passed: false, results: [] });
  s = apply(d, s, { type: 'step-started', at: 2, stepId: 'integrity' });
  return apply(d, s, { type: 'step-result', at: 3, stepId: 'integrity', result });
}

describe('the runbooks\' integrity steps', () => {
  const withIntegrity = RUNBOOKS.filter((rb) => rb.steps.some((s) => s.id === 'integrity' && s.call?.name === 'checks.integrity'));
  const unreachable: StepResult = {
    ok: false, summary: 'cannot reach the PostgreSQL store at postgresql://cfa:***@127.0.0.1:1/cfa: connect ECONNREFUSED',
    data: { state: 'unreachable', sound: false, damaged: false, unreachable: true },
  };
  const damaged: StepResult = { ok: false, summary: 'integrity_check: 3 problems', data: { state: 'corrupt', sound: false, damaged: true, unreachable: false } };
  const threw: StepResult = { ok: false, summary: 'EACCES: permission denied', data: { error: 'Error' } };

  it('are where the runbooks check the store', () => {
    expect(withIntegrity.map((rb) => rb.id).sort()).toEqual(['backup-stale', 'daemon-dead', 'db-corruption', 'sync-failed']);
  });

  it.each(['backup-stale', 'daemon-dead', 'db-corruption', 'sync-failed'])('%s: an unreachable store, or one not checked, pages; never a cure', (id) => {
    const rb = RUNBOOKS.find((r) => r.id === id)!;
    for (const result of [unreachable, threw]) {
      const s = integrityResult(rb, result);
      expect(s.current, result.summary).toBe('page');
      expect(s.outcome).toBeNull();
    }
  });

  it.each(['backup-stale', 'daemon-dead', 'sync-failed'])('%s: a damaged store still hands over to db-corruption', (id) => {
    const s = integrityResult(RUNBOOKS.find((r) => r.id === id)!, damaged);
    expect(s.outcome).toMatchObject({ kind: 'handover', to: 'db-corruption', stepId: 'integrity' });
  });

  it('db-corruption: a damaged store goes on to the cure', () => {
    const s = integrityResult(RUNBOOKS.find((r) => r.id === 'db-corruption')!, damaged);
    expect(s.steps.integrity!.state).toBe('done');
    expect(s.current).toBe('pause-daemon');
  });
});

/** A loopback port nothing listens on: bound, then closed again. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function pgContext(url: string) {
  const dir = tempDir('cfa-unreachable-');
  const dataDir = path.join(dir, 'data');
  fs.mkdirSync(dataDir);
  const configFile = writeTestConfig(dir, { store: { backend: 'postgres', url } });
  return { dataDir, ctx: stepContext({ dataDir, configFile }) };
}

describe('a PostgreSQL store that cannot be reached', () => {
  it('is unreachable, not damaged: over a closed port and over a socket directory with no server, naming the masked URL', async () => {
    const urls = [
      `postgresql://cfa:s3cretpw@127.0.0.1:${await closedPort()}/cfa`,
      `postgresql://cfa:s3cretpw@/cfa?host=${encodeURIComponent(tempDir('cfa-nosocket-'))}`,
    ];
    for (const url of urls) {
      const r = await checks.integrity().run(pgContext(url).ctx);
      expect(r.ok, r.summary).toBe(false);
      expect(r.data).toMatchObject({ state: 'unreachable', unreachable: true, damaged: false });
      expect(r.summary).toMatch(/^cannot reach the PostgreSQL store at postgresql:\/\/cfa:[^@]+@/);
      expect(r.summary).toMatch(/ECONNREFUSED|ENOENT/);
      expect(r.summary).toContain('nothing is restored');
      expect(r.summary).not.toContain('s3cretpw');
    }
  }, 60_000);

  it('db-corruption, run on it, pages at its first step and restores nothing', async () => {
    const { ctx, dataDir } = pgContext(`postgresql://cfa:s3cretpw@127.0.0.1:${await closedPort()}/cfa`);
    const summary = await runRunbook('db-corruption', { registry: RUNBOOKS }, ctx);
    expect(summary.outcome).toBe('escalated');
    // The page is the last step (it fails here only because this config names no alert channel).
    expect(summary.steps.map((s) => `${s.step}:${s.outcome}`)).toEqual(['integrity:not-passed', expect.stringMatching(/^page:/)]);
    expect(summary.reason).toMatch(/cannot reach the PostgreSQL store at postgresql:\/\/cfa:[^@]+@127\.0\.0\.1/);
    expect(JSON.stringify(summary)).not.toContain('s3cretpw');
    // Nothing was asked for: no pause, no recover plan; no quarantine made.
    expect(ctx.plans.map((p) => p.action)).toEqual([]);
    expect(fs.existsSync(path.join(dataDir, 'quarantine'))).toBe(false);
  }, 60_000);
});
