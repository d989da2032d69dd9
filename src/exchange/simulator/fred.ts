import { startStandIn, type StandInServer } from './stand-in-server.js';

/**
 * A stand-in for FRED (`/fred/series`, `/fred/series/observations`) with vintages: a real-time
 * window returns every version in force on some day of it, its real-time bounds clipped to the
 * window, as ALFRED does. Values are strings, "." for missing. The api_key must match.
 */

export const FRED_OPEN_END = '9999-12-31';

export interface FredVersion {
  date: string;
  realtimeStart: string;
  realtimeEnd: string;
  /** As FRED sends it: a number as text, or ".". */
  value: string;
}

export interface FredSeriesSpec {
  title?: string;
  frequency: string;
  frequencyShort: string;
  units?: string;
  versions: FredVersion[];
}

export interface FredStandIn extends StandInServer {
  /** Publishes a revision on day `on`: the version in force ends the day before, the new one starts. */
  revise(seriesId: string, date: string, value: string, on: string): void;
  /** Publishes a new observation on day `on`. */
  publish(seriesId: string, date: string, value: string, on: string): void;
  setDown(down: boolean): void;
}

function dayBefore(date: string): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
}

const maxDate = (a: string, b: string): string => (a > b ? a : b);
const minDate = (a: string, b: string): string => (a < b ? a : b);

/** Synthetic daily series (weekdays) for the last `days` days before `today`, known since the next day. */
export function syntheticFredSeries(id: string, today: string, days: number): FredSeriesSpec {
  const end = Date.parse(`${today}T00:00:00Z`);
  const versions: FredVersion[] = [];
  for (let i = days; i >= 1; i--) {
    const t = end - i * 86_400_000;
    const dow = new Date(t).getUTCDay();
    if (dow === 0 || dow === 6) continue;
    const date = new Date(t).toISOString().slice(0, 10);
    const seed = [...id].reduce((a, c) => a + c.charCodeAt(0), 0);
    const value = (4 + Math.sin(t / 86_400_000 / 17 + seed)).toFixed(2);
    versions.push({ date, realtimeStart: new Date(t + 86_400_000).toISOString().slice(0, 10), realtimeEnd: FRED_OPEN_END, value });
  }
  return { title: `${id} (stand-in)`, frequency: 'Daily', frequencyShort: 'D', units: 'Percent', versions };
}

export async function startFredStandIn(options: { apiKey: string; series: Record<string, FredSeriesSpec>; port?: number }): Promise<FredStandIn> {
  const series = options.series;
  let down = false;
  const server = await startStandIn((req) => {
    if (down) return { status: 500, body: { error_code: 500, error_message: 'Internal Server Error' } };
    if (req.query.api_key !== options.apiKey) {
      return { status: 400, body: { error_code: 400, error_message: 'Bad Request.  The value for variable api_key is not registered.  Read https://fred.stlouisfed.org/docs/api/api_key.html for more information.' } };
    }
    const id = req.query.series_id ?? '';
    const spec = series[id];
    if (!spec) return { status: 400, body: { error_code: 400, error_message: 'Bad Request.  The series does not exist.' } };
    if (req.path === '/fred/series') {
      return { status: 200, body: { seriess: [{ id, title: spec.title ?? id, frequency: spec.frequency, frequency_short: spec.frequencyShort, units: spec.units ?? 'Index', last_updated: '2026-01-01 07:46:04-06' }] } };
    }
    if (req.path !== '/fred/series/observations') return { status: 404, body: { error_code: 404, error_message: 'Not Found' } };
    const today = new Date().toISOString().slice(0, 10);
    const rs = req.query.realtime_start ?? today;
    const re = req.query.realtime_end ?? today;
    const os = req.query.observation_start ?? '1776-07-04';
    const oe = req.query.observation_end ?? FRED_OPEN_END;
    const rows = spec.versions
      .filter((v) => v.realtimeStart <= re && v.realtimeEnd >= rs && v.date >= os && v.date <= oe)
      .map((v) => ({ realtime_start: maxDate(v.realtimeStart, rs), realtime_end: minDate(v.realtimeEnd, re), date: v.date, value: v.value }))
      .sort((a, b) => a.date.localeCompare(b.date) || a.realtime_start.localeCompare(b.realtime_start));
    const offset = Number(req.query.offset ?? 0);
    const limit = Number(req.query.limit ?? 100000);
    return {
      status: 200,
      body: {
        realtime_start: rs, realtime_end: re, observation_start: os, observation_end: oe, units: 'lin', output_type: 1,
        file_type: 'json', order_by: 'observation_date', sort_order: 'asc', count: rows.length, offset, limit,
        observations: rows.slice(offset, offset + limit),
      },
    };
  }, options.port);
  const open = (id: string, date: string): FredVersion | undefined =>
    series[id]?.versions.find((v) => v.date === date && v.realtimeEnd === FRED_OPEN_END);
  return Object.assign(server, {
    revise(id: string, date: string, value: string, on: string) {
      const current = open(id, date);
      if (!current) throw new RangeError(`${id} has no observation for ${date} to revise`);
      current.realtimeEnd = dayBefore(on);
      series[id]!.versions.push({ date, realtimeStart: on, realtimeEnd: FRED_OPEN_END, value });
    },
    publish(id: string, date: string, value: string, on: string) {
      series[id]!.versions.push({ date, realtimeStart: on, realtimeEnd: FRED_OPEN_END, value });
    },
    setDown(value: boolean) { down = value; },
  });
}
