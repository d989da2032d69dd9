const BARS = '▁▂▃▄▅▆▇█';

/**
 * The last `width` values as block characters scaled to `max` (or the series' own max), so a
 * trend reads at a glance without colour.
 */
export function sparkline(values: readonly number[], width: number, max?: number): string {
  const tail = values.slice(-width);
  if (tail.length === 0) return '';
  const top = max ?? Math.max(...tail, 1e-9);
  return tail.map((v) => BARS[Math.min(BARS.length - 1, Math.max(0, Math.round((v / top) * (BARS.length - 1))))]).join('');
}

/** Averages points into `buckets` equal slices of [from, to] so an hour fits the panel width. */
export function downsample(points: readonly { at: number; value: number }[], from: number, to: number, buckets: number): number[] {
  const sums = new Array<number>(buckets).fill(0);
  const counts = new Array<number>(buckets).fill(0);
  const span = Math.max(1, to - from);
  for (const p of points) {
    if (p.at < from || p.at > to) continue;
    const i = Math.min(buckets - 1, Math.floor(((p.at - from) / span) * buckets));
    sums[i]! += p.value;
    counts[i]! += 1;
  }
  const out: number[] = [];
  let last = 0;
  for (let i = 0; i < buckets; i++) {
    if (counts[i]) last = sums[i]! / counts[i]!;
    if (counts[i] || out.length) out.push(last);
  }
  return out;
}
