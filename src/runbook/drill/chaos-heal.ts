/**
 * When a soak's fault raised no alert: was it lost, or did the system undo the fault before its
 * leader could see it? A deleted candle range is fetched again by any incremental sync (the
 * schedule's every minute, or a sync another fault's runbook runs), and one that starts within
 * the leader's monitor interval after the delete refills the store before the next health
 * snapshot: no rule can fire on damage that is gone when it looks. That is the system healing
 * itself, not an alert lost, but only when all of it is shown (pure; the soak gathers the facts).
 */
import { evaluateRules, RULES } from '../../alerts/rules.js';
import type { RuleSettings } from '../../alerts/settings.js';
import type { RuleId } from '../../alerts/types.js';
import type { JobRun } from '../../engine/run-history.js';
import type { HealthSnapshot } from '../../health/types.js';

export interface HealFacts {
  /** When the fault was made (before its call). */
  faultAt: number;
  /** The rule the fault must raise. */
  rule: RuleId;
  /** The leader's first health snapshot taken after the fault was made (the one its rules judged). */
  firstLook: HealthSnapshot | null;
  /** The run history since the fault. */
  runs: readonly JobRun[];
  /** The job whose run undoes such a fault (chaos-plan's `healedBy`); none: it cannot heal by itself. */
  healedBy: string | undefined;
  settings: RuleSettings;
  /** Whether the fault's damage is gone from the store now (every deleted candle back). */
  undone: boolean | null;
}

export interface HealProof {
  /** The run that undid the fault: it was going when the fault was made, or began after it, and stored what was missing. */
  run: { id: number; job: string; trigger: string; startedAt: number; endedAt: number | null; stored: number };
  /** The leader's first look after the fault: its rule found nothing. */
  firstLookAt: number;
}

/**
 * The proof that the fault was healed before the leader saw it, or null (then the alert that did
 * not fire is lost): the fault's damage is gone; the leader's first snapshot after the fault,
 * judged by the fault's own rule, finds nothing (a rule that cannot tell from it proves nothing);
 * and a successful run of the healing job that stored something began no later than that
 * snapshot and ended after the fault. It may have begun a little before the fault: a job's run
 * is recorded when its process is started, and it reads the store a moment later. A run that read
 * the store before the delete cannot bring the deleted candles back (a sync fetches only after
 * the newest it finds): that every one is back is what shows the store was read after it.
 */
export function healedBeforeSeen(f: HealFacts): HealProof | null {
  if (!f.healedBy || f.undone !== true || !f.firstLook || f.firstLook.at < f.faultAt) return null;
  const rules = RULES.filter((r) => r.id === f.rule);
  if (rules.length === 0) return null;
  const judged = evaluateRules({ now: f.firstLook.at, snapshot: f.firstLook, runs: [], daemon: null }, f.settings, rules);
  if (judged.undetermined.length > 0 || judged.alerts.length > 0) return null;
  const run = f.runs
    .filter((r) => r.job === f.healedBy && r.status === 'success' && r.startedAt <= f.firstLook!.at && (r.endedAt ?? 0) >= f.faultAt && stored(r) > 0)
    .sort((a, b) => a.startedAt - b.startedAt)[0];
  if (!run) return null;
  return { run: { id: run.id, job: run.job, trigger: run.trigger, startedAt: run.startedAt, endedAt: run.endedAt, stored: stored(run) }, firstLookAt: f.firstLook.at };
}

function stored(run: JobRun): number {
  const n = run.summary?.candlesStored;
  return typeof n === 'number' ? n : 0;
}
