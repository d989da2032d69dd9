import { intervalMs, type Interval } from '../../exchange/intervals.js';
import type { ContinuityGap } from '../types.js';

/** Pure arithmetic of holes in a series; bounds are open times of missing candles, inclusive. */

export function seriesKey(symbol: string, interval: string): string {
  return `${symbol} ${interval}`;
}

export function candlesBetween(fromOpenTime: number, toOpenTime: number, interval: Interval): number {
  return Math.floor((toOpenTime - fromOpenTime) / intervalMs(interval)) + 1;
}

/**
 * The holes in ascending open times. `previous` is the open time just before the first one (the
 * last candle of an earlier scan), so a hole across the boundary of two scans is found too.
 */
export function findHoles(
  symbol: string, interval: Interval, openTimes: readonly number[], previous: number | null,
): ContinuityGap[] {
  const step = intervalMs(interval);
  const holes: ContinuityGap[] = [];
  let prev = previous;
  for (const t of openTimes) {
    if (prev !== null && t - prev > step) {
      const fromOpenTime = prev + step;
      const toOpenTime = t - step;
      holes.push({ symbol, interval, fromOpenTime, toOpenTime, missing: candlesBetween(fromOpenTime, toOpenTime, interval) });
    }
    prev = t;
  }
  return holes;
}

/** What is left of `hole` once the ranges in `covered` (same series) are taken out. */
export function subtractRanges(hole: ContinuityGap, covered: readonly { fromOpenTime: number; toOpenTime: number }[]): ContinuityGap[] {
  const step = intervalMs(hole.interval);
  let pieces: { from: number; to: number }[] = [{ from: hole.fromOpenTime, to: hole.toOpenTime }];
  for (const c of covered) {
    pieces = pieces.flatMap((p) => {
      if (c.toOpenTime < p.from || c.fromOpenTime > p.to) return [p];
      const out: { from: number; to: number }[] = [];
      if (c.fromOpenTime > p.from) out.push({ from: p.from, to: c.fromOpenTime - step });
      if (c.toOpenTime < p.to) out.push({ from: c.toOpenTime + step, to: p.to });
      return out;
    });
  }
  return pieces
    .filter((p) => p.to >= p.from)
    .map((p) => ({ symbol: hole.symbol, interval: hole.interval, fromOpenTime: p.from, toOpenTime: p.to, missing: candlesBetween(p.from, p.to, hole.interval) }));
}

export interface OpenHoles {
  /** The holes, or the parts of them, that no known exchange gap explains. */
  open: ContinuityGap[];
  /** How many holes a known exchange gap explained wholly or in part. */
  explained: number;
}

/** Takes the known exchange-side gaps out of the holes found. */
export function excludeKnownGaps(holes: readonly ContinuityGap[], known: readonly ContinuityGap[]): OpenHoles {
  const bySeries = new Map<string, ContinuityGap[]>();
  for (const k of known) {
    const key = seriesKey(k.symbol, k.interval);
    bySeries.set(key, [...(bySeries.get(key) ?? []), k]);
  }
  const open: ContinuityGap[] = [];
  let explained = 0;
  for (const h of holes) {
    const covering = bySeries.get(seriesKey(h.symbol, h.interval)) ?? [];
    const rest = subtractRanges(h, covering);
    if (rest.length !== 1 || rest[0]!.missing !== h.missing) explained++;
    open.push(...rest);
  }
  return { open, explained };
}
