import type { BinanceClient } from '../exchange/binance-client.js';
import { BadDataError } from '../exchange/exchange-errors.js';
import type { FearGreedRow, SentimentJobStore } from './sentiment-job-store.js';
import { emptyResult, finish, num, type SourceResult } from './source-result.js';
import { DAY_MS, missingDays } from './windows.js';

/**
 * alternative.me's Crypto Fear & Greed index (`GET /fng/?limit=N`): daily, values and epoch
 * seconds as strings, newest first. `date_format` is never sent (it turns the timestamps into
 * locale dates). A day sent twice keeps its first (newest) entry; days missing from the answer
 * are named in the notes, since the API has no way to ask for one day again.
 */

export interface FearGreedOptions {
  backfillDays: number;
  now: number;
}

export function parseFearGreed(body: unknown, url: string): { rows: FearGreedRow[]; duplicates: number } {
  const data = (body as { data?: unknown } | null)?.data;
  if (!Array.isArray(data)) throw new BadDataError({ url, detail: `expected {"data": [...]}, got ${JSON.stringify(body).slice(0, 120)}` });
  const byDay = new Map<number, FearGreedRow>();
  let duplicates = 0;
  for (const entry of data as Record<string, unknown>[]) {
    const value = num(entry?.value);
    const seconds = num(entry?.timestamp);
    const classification = entry?.value_classification;
    if (value === undefined || !Number.isInteger(value) || value < 0 || value > 100 || seconds === undefined || typeof classification !== 'string') {
      throw new BadDataError({ url, detail: `an entry is not {value: "0-100", value_classification, timestamp: "<epoch s>"}: ${JSON.stringify(entry).slice(0, 120)}` });
    }
    const day = Math.floor((seconds * 1000) / DAY_MS) * DAY_MS;
    if (byDay.has(day)) {
      duplicates++;
      continue;
    }
    byDay.set(day, { day, value, classification });
  }
  return { rows: [...byDay.values()].sort((a, b) => a.day - b.day), duplicates };
}

export async function fetchFearGreed(options: FearGreedOptions, client: BinanceClient, store: SentimentJobStore): Promise<SourceResult> {
  const result = emptyResult('fng');
  const today = Math.floor(options.now / DAY_MS) * DAY_MS;
  const last = await store.lastFearGreedDay();
  // Two days of overlap: the newest value of yesterday may have been published late.
  const limit = last === null ? options.backfillDays : Math.min(options.backfillDays, Math.max(2, (today - last) / DAY_MS + 2));
  try {
    const { rows, duplicates } = await client.getJson({ path: '/fng/', params: { limit }, weight: 1 }, parseFearGreed);
    result.requests = 1;
    result.stored = await store.storeFearGreed(rows);
    if (duplicates > 0) result.notes.push(`${duplicates} duplicate day${duplicates === 1 ? '' : 's'} in the answer: kept the newest of each`);
    const stored = await store.fearGreedDays(today - options.backfillDays * DAY_MS);
    const missing = missingDays(stored);
    if (missing.length > 0) {
      const shown = missing.slice(0, 5).map((d) => new Date(d).toISOString().slice(0, 10)).join(', ');
      result.notes.push(`${missing.length} day${missing.length === 1 ? '' : 's'} missing at the source: ${shown}${missing.length > 5 ? ', ...' : ''}`);
    }
  } catch (error) {
    result.failures.push({ item: 'fear & greed', error: (error as Error).message });
  }
  return finish(result, 1);
}
