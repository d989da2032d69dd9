import { describe, expect, it } from 'vitest';
import { RUNBOOKS } from '../../../runbooks/index.js';
import { chaosCatalogue, chaosFault, conflicts, ENGINE_KILL, overlapping, planChaos, type ChaosFault } from '../../../src/runbook/drill/chaos-plan.js';
import * as faults from '../../../src/runbook/drill/faults.js';
import type { RunbookDecl } from '../../../src/runbook/types.js';

/** The chaos soak's plan, pure: seeded, and never two faults on one part of the system at once. */

const daemon = (id: string, holdMs = 30_000): ChaosFault => ({ id, resources: ['daemon'], holdMs });
const store = (id: string, holdMs = 30_000): ChaosFault => ({ id, resources: ['market-db'], holdMs });
const CATALOGUE: ChaosFault[] = [
  daemon('daemon-dead'), daemon('daemon-hung', 45_000), store('stale-data'), store('db-corruption', 100_000),
  { id: 'sync-failed', resources: ['exchange', 'sync'], holdMs: 40_000 },
  { id: ENGINE_KILL, resources: ['engine', 'daemon', 'exchange'], holdMs: 15_000 },
];

describe('planChaos', () => {
  it('the same seed gives the same plan; another seed another one', () => {
    const a = planChaos({ seed: 1, durationMs: 600_000, catalogue: CATALOGUE, always: [ENGINE_KILL] });
    const b = planChaos({ seed: 1, durationMs: 600_000, catalogue: CATALOGUE, always: [ENGINE_KILL] });
    const c = planChaos({ seed: 2, durationMs: 600_000, catalogue: CATALOGUE, always: [ENGINE_KILL] });
    expect(b).toEqual(a);
    expect(c.map((p) => [p.id, p.atMs])).not.toEqual(a.map((p) => [p.id, p.atMs]));
  });

  it('never overlaps faults that touch the same part, but does overlap faults on different parts', () => {
    let concurrent = 0;
    for (let seed = 0; seed < 200; seed += 1) {
      const plan = planChaos({ seed, durationMs: 600_000, catalogue: CATALOGUE, always: [ENGINE_KILL] });
      expect(overlapping(plan), `seed ${seed}`).toEqual([]);
      // Sorted by start, within the duration, each fault of the catalogue.
      expect(plan.map((p) => p.atMs)).toEqual([...plan.map((p) => p.atMs)].sort((x, y) => x - y));
      expect(plan.every((p) => p.atMs < 600_000 && CATALOGUE.some((f) => f.id === p.id))).toBe(true);
      concurrent += plan.filter((p, i) => plan.slice(i + 1).some((q) => q.atMs < p.atMs + p.holdMs)).length;
    }
    expect(concurrent).toBeGreaterThan(0);
  });

  it('always holds the faults it must (the engine kill), even in a short soak, and at least one fault', () => {
    for (let seed = 0; seed < 50; seed += 1) {
      const plan = planChaos({ seed, durationMs: 120_000, catalogue: CATALOGUE, always: [ENGINE_KILL] });
      expect(plan.filter((p) => p.id === ENGINE_KILL).length, `seed ${seed}`).toBeGreaterThanOrEqual(1);
    }
    expect(planChaos({ seed: 3, durationMs: 1_000, catalogue: [daemon('daemon-dead')] })).toHaveLength(1);
    expect(planChaos({ seed: 3, durationMs: 600_000, catalogue: [] })).toEqual([]);
  });

  it('plans every fault of the catalogue before any twice: one that must run alone is not starved', () => {
    const unknown = chaosFault('new-drill', 'faults.somethingNew');
    for (let seed = 0; seed < 50; seed += 1) {
      const plan = planChaos({ seed, durationMs: 600_000, catalogue: [...CATALOGUE, unknown] });
      const counts = [...CATALOGUE, unknown].map((f) => plan.filter((p) => p.id === f.id).length);
      expect(Math.min(...counts), `seed ${seed}`).toBeGreaterThanOrEqual(1);
      expect(Math.max(...counts) - Math.min(...counts), `seed ${seed}`).toBeLessThanOrEqual(1);
    }
  });

  it('a fault it does not know conflicts with every other', () => {
    const unknown = chaosFault('new-drill', 'faults.somethingNew');
    expect(conflicts(unknown, daemon('daemon-dead'))).toBe(true);
    expect(conflicts(unknown, store('stale-data'))).toBe(true);
    expect(conflicts(daemon('daemon-dead'), store('stale-data'))).toBe(false);
    const plan = planChaos({ seed: 5, durationMs: 600_000, catalogue: [...CATALOGUE, unknown] });
    expect(overlapping(plan)).toEqual([]);
  });
});

describe('chaosCatalogue', () => {
  const decl = (id: string, drill: RunbookDecl['drill']) => ({ id, drill }) as RunbookDecl;

  it('takes every drill that the runbook ends by itself, and merges their configs', () => {
    const got = chaosCatalogue([
      decl('a', { summary: '', expects: 'daemon-dead', inject: faults.killDaemon(), config: { alerts: { thresholds: { heartbeatStale: '15s' } } } }),
      decl('b', { summary: '', expects: 'rate-limit-abuse', inject: faults.killDaemon(), config: { alerts: { thresholds: { rateLimitHits: 5 } } } }),
      decl('c', { summary: '', expects: 'daemon-crash-loop', inject: faults.crashDaemon({ times: 3 }), outcome: 'escalated' }),
      decl('d', { summary: '', expects: 'daemon-dead', inject: faults.killDaemon(), config: { alerts: { thresholds: { heartbeatStale: '1m' } } } }),
      { id: 'e' } as RunbookDecl,
    ]);
    expect(got.drills.map((d) => d.id)).toEqual(['a', 'b']);
    expect(got.config).toEqual({ alerts: { thresholds: { heartbeatStale: '15s', rateLimitHits: 5 } } });
    expect(chaosCatalogue([
      decl('f', { summary: '', expects: 'disk-low', inject: faults.killDaemon(), person: { atStep: 'free-space', does: faults.none() } }),
      decl('g', { summary: '', expects: 'disk-low', inject: faults.killDaemon(), sandbox: { smallDisk: '128m' } }),
    ]).excluded).toEqual([
      { id: 'f', reason: 'its runbook waits at free-space for a person, and nobody answers in a soak' },
      { id: 'g', reason: 'it needs a sandbox of its own (a 128m disk to fill)' },
    ]);
    expect(got.excluded).toEqual([
      { id: 'c', reason: expect.stringMatching(/ends in a page/) },
      { id: 'd', reason: 'its config sets alerts.thresholds.heartbeatStale to "1m", drill a to "15s"' },
    ]);
  });

  it('over this build\'s runbooks: every drill that resolves by itself, alone, in a plain sandbox takes part; the others are named with why', () => {
    const got = chaosCatalogue(RUNBOOKS);
    const resolving = RUNBOOKS.filter((r) => r.drill && (r.drill.outcome ?? 'resolved') === 'resolved' && !r.drill.person && !r.drill.sandbox?.smallDisk);
    expect(got.drills.map((d) => d.id)).toEqual(resolving.map((r) => r.id));
    expect(got.drills.length).toBeGreaterThanOrEqual(3);
    expect(got.excluded.map((e) => e.id).sort()).toEqual(RUNBOOKS.filter((r) => r.drill && !resolving.includes(r)).map((r) => r.id).sort());
  });
});
