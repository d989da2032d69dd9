/**
 * The chaos soak's plan, pure: which faults of the drill catalogue are injected when, from a
 * seeded PRNG (same seed, same plan). Faults that touch the same part of the system (the daemon,
 * the store, the exchange, the engine) are never planned to overlap; faults on different parts
 * are, so several are broken at once. Also here: which drills take part, and the one sandbox
 * config their own configs make together.
 */
import { mulberry32 } from '../../exchange/simulator/faults.js';
import type { RunbookDecl } from '../types.js';

/** The kill -9 of the sandbox's engine (not a drill's fault: chaos restarts it as systemd would). */
export const ENGINE_KILL = 'engine-kill';

/** Every resource at once: a fault chaos does not know conflicts with all others. */
const ALL = '*';

/** What each fault of the library touches, and how long it keeps it (alert, runbook, revert). */
const FAULT_TRAITS: Readonly<Record<string, { resources: readonly string[]; holdMs: number; healedBy?: string }>> = {
  'faults.killDaemon': { resources: ['daemon'], holdMs: 30_000 },
  'faults.crashDaemon': { resources: ['daemon'], holdMs: 45_000 },
  'faults.freezeDaemon': { resources: ['daemon'], holdMs: 45_000 },
  // Any incremental sync fetches from the newest stored candle: the deleted ones come back with it
  // (the schedule's every minute, or another runbook's), at times before the leader looks.
  'faults.deleteCandles': { resources: ['market-db'], holdMs: 30_000, healedBy: 'sync' },
  // The integrity probe runs once a minute, then a restore and a catch-up. The daemon too: it
  // crashes reading the page, and the runbook pauses and resumes it (which ended a frozen daemon
  // before its heartbeat alert could fire, when the soak overlapped the two).
  'faults.corruptPage': { resources: ['market-db', 'daemon'], holdMs: 100_000 },
  // These two run a sync of their own (which another sync running would make skip).
  'faults.stormDuringSync': { resources: ['exchange', 'sync'], holdMs: 40_000 },
  'faults.rateLimitStormDuringSync': { resources: ['exchange', 'sync'], holdMs: 40_000 },
  'faults.exchange5xxStorm': { resources: ['exchange'], holdMs: 40_000 },
  'faults.ban418': { resources: ['exchange'], holdMs: 40_000 },
  // The engine runs the supervisor and the jobs a fault on the daemon or the exchange waits for.
  [ENGINE_KILL]: { resources: ['engine', 'daemon', 'exchange'], holdMs: 15_000 },
};
const UNKNOWN_TRAITS = { resources: [ALL], holdMs: 120_000 };

/** One fault chaos may inject: a drill's scenario (its runbook id) or the engine kill. */
export interface ChaosFault {
  id: string;
  resources: readonly string[];
  /** How long the plan keeps its resources from other faults. */
  holdMs: number;
  /**
   * The job whose run undoes such a fault by itself (see chaos-heal.ts). Only for a fault whose
   * rule judges the health snapshot alone (the proof reads the rule over the leader's snapshot).
   */
  healedBy?: string;
}

export interface PlannedFault extends ChaosFault {
  /** From the start of the soak. */
  atMs: number;
}

/** The fault of a scenario (by the name of its inject call) as chaos schedules it. */
export function chaosFault(id: string, faultName: string): ChaosFault {
  const traits: (typeof FAULT_TRAITS)[string] = FAULT_TRAITS[faultName] ?? UNKNOWN_TRAITS;
  return { id, resources: traits.resources, holdMs: traits.holdMs, ...(traits.healedBy ? { healedBy: traits.healedBy } : {}) };
}

/** Two faults conflict when they touch a part in common (a fault of unknown reach touches all). */
export function conflicts(a: Pick<ChaosFault, 'resources'>, b: Pick<ChaosFault, 'resources'>): boolean {
  if (a.resources.includes(ALL) || b.resources.includes(ALL)) return true;
  return a.resources.some((r) => b.resources.includes(r));
}

export interface PlanOptions {
  seed: number;
  durationMs: number;
  catalogue: readonly ChaosFault[];
  /** Faults (ids of the catalogue) the plan holds at least once, at a random time of the duration. */
  always?: readonly string[];
  /** The gap between two fault starts, drawn uniformly (default 5–25 s). */
  gapMs?: [number, number];
}

/** Whether `f` at `t` would overlap a planned fault it conflicts with. */
const blocked = (plan: readonly PlannedFault[], f: ChaosFault, t: number) =>
  plan.some((p) => conflicts(p, f) && p.atMs < t + f.holdMs && t < p.atMs + p.holdMs);

/**
 * The seeded plan: the `always` faults first, each at a random time of the duration where it
 * fits; then a fault starts every gap while the duration lasts, chosen at random among the
 * faults planned fewest times that overlap no conflicting fault (when none fits, the start moves
 * on a second). At least one fault when the catalogue is not empty; sorted by start.
 */
export function planChaos(options: PlanOptions): PlannedFault[] {
  const random = mulberry32(options.seed >>> 0);
  const [minGap, maxGap] = options.gapMs ?? [5_000, 25_000];
  const draw = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
  const plan: PlannedFault[] = [];
  if (options.catalogue.length === 0) return plan;
  for (const id of options.always ?? []) {
    const fault = options.catalogue.find((f) => f.id === id);
    if (!fault) continue;
    // Somewhere in the middle half, so it meets other faults' runbooks at work.
    for (let tries = 0; tries < 50; tries += 1) {
      const t = draw(Math.floor(options.durationMs / 4), Math.floor((options.durationMs * 3) / 4));
      if (!blocked(plan, fault, t)) { plan.push({ ...fault, atMs: t }); break; }
    }
  }
  let t = draw(2_000, minGap);
  const times = (f: ChaosFault) => plan.filter((p) => p.id === f.id).length;
  while (t < options.durationMs || plan.length === 0) {
    // Round robin: the faults planned least so far, so a fault that must run alone (one chaos
    // does not know) is not starved by the ones that overlap; when none of those fits, wait.
    const fewest = Math.min(...options.catalogue.map(times));
    const free = options.catalogue.filter((f) => times(f) === fewest && !blocked(plan, f, t));
    if (free.length === 0) { t += 1_000; continue; }
    const fault = free[Math.floor(random() * free.length)]!;
    plan.push({ ...fault, atMs: t });
    t += draw(minGap, maxGap);
  }
  return plan.sort((a, b) => a.atMs - b.atMs);
}

/** Whether two planned faults overlap in time while touching a part in common (never in a plan). */
export function overlapping(plan: readonly PlannedFault[]): Array<[PlannedFault, PlannedFault]> {
  const out: Array<[PlannedFault, PlannedFault]> = [];
  plan.forEach((a, i) => plan.slice(i + 1).forEach((b) => {
    if (conflicts(a, b) && a.atMs < b.atMs + b.holdMs && b.atMs < a.atMs + a.holdMs) out.push([a, b]);
  }));
  return out;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => Boolean(v) && typeof v === 'object' && !Array.isArray(v);

/** The leaves of a config object by dotted path. */
function leaves(value: Json, prefix = ''): Array<[string, unknown]> {
  return Object.entries(value).flatMap(([k, v]) => (isObject(v) ? leaves(v, `${prefix}${k}.`) : [[`${prefix}${k}`, v] as [string, unknown]]));
}

function setPath(target: Json, dotted: string, value: unknown): void {
  const keys = dotted.split('.');
  let at = target;
  for (const k of keys.slice(0, -1)) at = (isObject(at[k]) ? at[k] : (at[k] = {})) as Json;
  at[keys.at(-1)!] = value;
}

export interface ChaosCatalogue {
  /** The drills that take part. */
  drills: RunbookDecl[];
  /** Their configs merged (each drill's settings hold for all of them in the one sandbox). */
  config: Json;
  /** The drills left out, and why. */
  excluded: Array<{ id: string; reason: string }>;
}

/**
 * The drills of the catalogue that chaos injects: those whose runbook can end the fault by itself
 * (a drill that expects a page, or whose runbook waits for a person's hand, rehearses a person,
 * and nobody is there in a soak), that need no sandbox of their own (a small disk), and whose
 * config agrees with the drills before it (one sandbox holds them all).
 */
export function chaosCatalogue(scenarios: readonly RunbookDecl[]): ChaosCatalogue {
  const drills: RunbookDecl[] = [];
  const excluded: ChaosCatalogue['excluded'] = [];
  const set = new Map<string, { value: unknown; by: string }>();
  for (const decl of scenarios) {
    const drill = decl.drill;
    if (!drill) continue;
    if ((drill.outcome ?? 'resolved') !== 'resolved') {
      excluded.push({ id: decl.id, reason: 'its drill ends in a page, and nobody answers in a soak' });
      continue;
    }
    if (drill.person) {
      excluded.push({ id: decl.id, reason: `its runbook waits at ${drill.person.atStep} for a person, and nobody answers in a soak` });
      continue;
    }
    if (drill.sandbox?.smallDisk) {
      excluded.push({ id: decl.id, reason: `it needs a sandbox of its own (a ${drill.sandbox.smallDisk} disk to fill)` });
      continue;
    }
    const own = leaves(drill.config ?? {});
    const clash = own.find(([k, v]) => set.has(k) && JSON.stringify(set.get(k)!.value) !== JSON.stringify(v));
    if (clash) {
      const [k, v] = clash;
      excluded.push({ id: decl.id, reason: `its config sets ${k} to ${JSON.stringify(v)}, drill ${set.get(k)!.by} to ${JSON.stringify(set.get(k)!.value)}` });
      continue;
    }
    for (const [k, v] of own) set.set(k, { value: v, by: decl.id });
    drills.push(decl);
  }
  const config: Json = {};
  for (const [k, { value }] of set) setPath(config, k, value);
  return { drills, config, excluded };
}
