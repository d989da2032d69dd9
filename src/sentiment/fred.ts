import { scrub } from '../alerts/secrets.js';
import type { BinanceClient } from '../exchange/binance-client.js';
import { BadDataError } from '../exchange/exchange-errors.js';
import { OPEN_END, parseFredValue, type Vintage } from './fred-vintages.js';
import type { FredSeriesInfo, SentimentJobStore } from './sentiment-job-store.js';
import { emptyResult, finish, type SourceResult } from './source-result.js';

/**
 * FRED `series/observations` with vintages: each run reads the real-time window from a few days
 * before the last run to 9999-12-31, so revisions close the old version and open a new one and a
 * backtest can ask what was known on a date. The API key is a secret: it is sent as FRED asks
 * (a query parameter) and scrubbed from every message that could quote the URL.
 */

export const FRED_KEY_ENV = 'CFA_FRED_API_KEY';

export interface FredOptions {
  series: readonly string[];
  apiKey: string | undefined;
  backfillDays: number;
  overlapDays: number;
  now: number;
}

const isoDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

export function parseObservations(body: unknown, url: string): { count: number; rows: Vintage[] } {
  const obs = (body as { observations?: unknown } | null)?.observations;
  if (!Array.isArray(obs)) throw new BadDataError({ url, detail: 'expected {"observations": [...]}' });
  const rows = (obs as Record<string, unknown>[]).map((o): Vintage => {
    const value = parseFredValue(o?.value);
    const { date, realtime_start: rs, realtime_end: re } = o ?? {};
    if (value === undefined || typeof date !== 'string' || typeof rs !== 'string' || typeof re !== 'string') {
      throw new BadDataError({ url, detail: `an observation is not {date, realtime_start, realtime_end, value: "<number>" or "."}: ${JSON.stringify(o).slice(0, 120)}` });
    }
    return { obsDate: date, realtimeStart: rs, realtimeEnd: re, value };
  });
  const count = Number((body as { count?: unknown }).count ?? rows.length);
  return { count: Number.isFinite(count) ? count : rows.length, rows };
}

function parseSeries(id: string) {
  return (body: unknown, url: string): FredSeriesInfo => {
    const s = ((body as { seriess?: unknown[] } | null)?.seriess ?? [])[0] as Record<string, unknown> | undefined;
    if (!s) throw new BadDataError({ url, detail: `no series ${id} in the answer` });
    const text = (k: string): string | null => (typeof s[k] === 'string' ? (s[k] as string) : null);
    return { seriesId: id, title: text('title'), frequency: text('frequency'), frequencyShort: text('frequency_short'), units: text('units'), lastUpdated: text('last_updated') };
  };
}

export async function fetchFred(options: FredOptions, client: BinanceClient, store: SentimentJobStore): Promise<SourceResult> {
  const result = emptyResult('fred');
  const key = options.apiKey?.trim();
  if (!key) {
    result.failures.push({ item: 'fred', error: `${FRED_KEY_ENV} is not set: FRED needs an API key (free at https://fred.stlouisfed.org/docs/api/api_key.html); set it in the environment of the engine` });
    return finish(result, 1);
  }
  const before = client.stats().requests;
  const today = isoDay(options.now);
  const observationStart = isoDay(options.now - options.backfillDays * 86_400_000);
  const known = new Map((await store.fredSeries()).map((s) => [s.seriesId, s]));
  for (const id of options.series) {
    try {
      const info = await client.getJson({ path: '/fred/series', params: { series_id: id, api_key: key, file_type: 'json' }, weight: 1 }, parseSeries(id));
      const through = known.get(id)?.realtimeThrough;
      const realtimeStart = through ? isoDay(Date.parse(`${through}T00:00:00Z`) - options.overlapDays * 86_400_000) : observationStart;
      const fetched: Vintage[] = [];
      for (let offset = 0; ;) {
        const page = await client.getJson({
          path: '/fred/series/observations',
          params: {
            series_id: id, api_key: key, file_type: 'json', observation_start: observationStart,
            realtime_start: realtimeStart, realtime_end: OPEN_END, offset: offset || undefined,
          },
          weight: 1,
        }, parseObservations);
        fetched.push(...page.rows);
        offset += page.rows.length;
        if (page.rows.length === 0 || offset >= page.count) break;
      }
      const merged = await store.storeFred({ info, fetched, fetchedAt: options.now, realtimeThrough: today });
      result.stored += merged.inserted + merged.updated;
      if (merged.updated > 0 && through) result.notes.push(`${id}: ${merged.updated} version${merged.updated === 1 ? '' : 's'} closed or revised`);
    } catch (error) {
      result.failures.push({ item: id, error: scrub((error as Error).message, [key]) });
    }
  }
  result.requests = client.stats().requests - before;
  return finish(result, options.series.length);
}
