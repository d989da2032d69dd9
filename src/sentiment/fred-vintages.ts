/**
 * FRED vintages (ALFRED real-time periods) merged into what is stored. Pure.
 *
 * FRED answers a real-time window [realtime_start, realtime_end] with every version of every
 * observation that was in force at some day of the window, its realtime_start clipped to the
 * window's start. So a version already stored comes back with a later start; a revision comes
 * back as the old version closed (realtime_end set) plus a new one opened.
 */

export const OPEN_END = '9999-12-31';

export interface Vintage {
  obsDate: string;
  realtimeStart: string;
  realtimeEnd: string;
  /** NULL where FRED sent ".". */
  value: number | null;
}

export interface VintageMerge {
  /** New versions. */
  inserts: Vintage[];
  /** Stored versions whose realtime_end (or value, for the same start) changes. */
  updates: Vintage[];
}

/** The day before a 'YYYY-MM-DD' date (the old version ends the day before the new one starts). */
export function dayBefore(date: string): string {
  const t = Date.parse(`${date}T00:00:00Z`);
  if (!Number.isFinite(t)) throw new RangeError(`not a date: ${JSON.stringify(date)} (expected YYYY-MM-DD)`);
  return new Date(t - 86_400_000).toISOString().slice(0, 10);
}

function sameValue(a: number | null, b: number | null): boolean {
  return a === null || b === null ? a === b : Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(a));
}

/**
 * What must change in the store so that it holds `stored` plus what `fetched` says. Re-merging
 * the same answer changes nothing.
 */
export function mergeVintages(stored: readonly Vintage[], fetched: readonly Vintage[]): VintageMerge {
  const byDate = new Map<string, Vintage[]>();
  for (const v of stored) {
    const list = byDate.get(v.obsDate) ?? [];
    list.push({ ...v });
    byDate.set(v.obsDate, list);
  }
  const inserted = new Set<Vintage>();
  const changed = new Set<Vintage>();
  const order = [...fetched].sort((a, b) => a.obsDate.localeCompare(b.obsDate) || a.realtimeStart.localeCompare(b.realtimeStart));
  for (const f of order) {
    const list = byDate.get(f.obsDate) ?? [];
    byDate.set(f.obsDate, list);
    const cover = list.find((v) => v.realtimeStart <= f.realtimeStart && f.realtimeStart <= v.realtimeEnd);
    if (cover && sameValue(cover.value, f.value)) {
      // The same version, its start clipped by our window; only its end may have moved.
      if (cover.realtimeEnd !== f.realtimeEnd) {
        cover.realtimeEnd = f.realtimeEnd;
        if (!inserted.has(cover)) changed.add(cover);
      }
      continue;
    }
    if (cover && cover.realtimeStart === f.realtimeStart) {
      // FRED corrected the version itself.
      cover.value = f.value;
      cover.realtimeEnd = f.realtimeEnd;
      if (!inserted.has(cover)) changed.add(cover);
      continue;
    }
    if (cover) {
      cover.realtimeEnd = dayBefore(f.realtimeStart);
      if (!inserted.has(cover)) changed.add(cover);
    }
    const fresh = { ...f };
    list.push(fresh);
    inserted.add(fresh);
  }
  return { inserts: [...inserted], updates: [...changed] };
}

/** FRED's value field: a number as text, or "." for missing. */
export function parseFredValue(raw: unknown): number | null | undefined {
  if (raw === '.') return null;
  if (typeof raw !== 'string' || raw.trim() === '') return undefined;
  const n = Number(raw);
  return Number.isFinite(n) ? n : undefined;
}
