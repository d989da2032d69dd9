import { startStandIn, type StandInServer } from './stand-in-server.js';

/**
 * A stand-in for alternative.me's Crypto Fear & Greed index (`GET /fng/?limit=N`): values as
 * strings, timestamps in epoch seconds as strings, newest first, `limit=0` for everything.
 */

export interface FearGreedDay {
  /** Epoch ms (the API stamps 00:00 UTC of the day). */
  time: number;
  value: number;
}

export function classify(value: number): string {
  if (value <= 24) return 'Extreme Fear';
  if (value <= 46) return 'Fear';
  if (value <= 54) return 'Neutral';
  if (value <= 75) return 'Greed';
  return 'Extreme Greed';
}

/** Deterministic daily values for the `days` days up to `now`, one per day. */
export function syntheticFearGreed(now: number, days: number): FearGreedDay[] {
  const today = Math.floor(now / 86_400_000) * 86_400_000;
  return Array.from({ length: days }, (_, i) => {
    const time = today - i * 86_400_000;
    const k = time / 86_400_000;
    return { time, value: Math.round(50 + 35 * Math.sin(k / 9) * Math.cos(k / 31)) };
  });
}

export interface FearGreedStandIn extends StandInServer {
  /** Replaces the published days (any order; duplicates are served as they are). */
  setDays(days: FearGreedDay[]): void;
  setDown(down: boolean): void;
}

export async function startFearGreedStandIn(options: { days?: FearGreedDay[]; now?: () => number; port?: number } = {}): Promise<FearGreedStandIn> {
  let days = options.days ?? syntheticFearGreed((options.now ?? Date.now)(), 400);
  let down = false;
  const server = await startStandIn((req) => {
    if (down) return { status: 503, body: '<html>503 Service Unavailable</html>' };
    if (req.path !== '/fng/' && req.path !== '/fng') return { status: 404, body: { error: 'not found' } };
    const limit = req.query.limit === undefined ? 1 : Number(req.query.limit);
    if (!Number.isInteger(limit) || limit < 0) return { status: 200, body: { name: 'Fear and Greed Index', data: [], metadata: { error: 'Invalid limit' } } };
    const sorted = [...days].sort((a, b) => b.time - a.time);
    const data = (limit === 0 ? sorted : sorted.slice(0, limit)).map((d, i) => ({
      value: String(d.value),
      value_classification: classify(d.value),
      timestamp: String(Math.floor(d.time / 1000)),
      ...(i === 0 ? { time_until_update: '3600' } : {}),
    }));
    return { status: 200, body: { name: 'Fear and Greed Index', data, metadata: { error: null } } };
  }, options.port);
  return Object.assign(server, {
    setDays(next: FearGreedDay[]) { days = next; },
    setDown(value: boolean) { down = value; },
  });
}
