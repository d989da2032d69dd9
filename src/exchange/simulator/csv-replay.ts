import { readFile } from 'node:fs/promises';
import type { KlineRow } from '../candle.js';
import { INTERVAL_MS, isInterval, type Interval } from '../intervals.js';

/**
 * Replays real candles from a CSV in Binance's 12-column kline format (the layout of
 * data.binance.vision and of ../shared/data), so a series can be served exactly as the exchange
 * sent it, original decimal strings included.
 */

export interface ReplaySpec {
  symbol: string;
  interval: Interval;
  file: string;
}

export interface ReplaySeries {
  symbol: string;
  interval: Interval;
  file: string;
  /** Ascending, on the interval grid. */
  openTimes: number[];
  rows: KlineRow[];
  /** Each row pre-serialised, since replayed rows never change. */
  rowJson: string[];
}

export class ReplayError extends Error {
  override name = 'ReplayError';
}

const DECIMAL = /^-?\d+(\.\d+)?$/;
const INTEGER = /^\d+$/;

/** Parses the CLI form `SYMBOL:INTERVAL:FILE` (the file part may itself contain colons). */
export function parseReplaySpec(text: string): ReplaySpec {
  const first = text.indexOf(':');
  const second = text.indexOf(':', first + 1);
  if (first <= 0 || second <= first + 1 || second === text.length - 1) {
    throw new ReplayError(`bad replay spec '${text}': expected SYMBOL:INTERVAL:FILE, e.g. BTCUSDT:1h:data/BTCUSDT-1h.csv`);
  }
  const symbol = text.slice(0, first);
  const interval = text.slice(first + 1, second);
  if (!isInterval(interval)) {
    throw new ReplayError(`bad replay spec '${text}': '${interval}' is not a Binance interval (${Object.keys(INTERVAL_MS).join(', ')})`);
  }
  return { symbol, interval, file: text.slice(second + 1) };
}

export async function loadReplay(spec: ReplaySpec): Promise<ReplaySeries> {
  let text: string;
  try {
    text = await readFile(spec.file, 'utf8');
  } catch (err) {
    throw new ReplayError(`cannot read replay file ${spec.file} for ${spec.symbol} ${spec.interval}: ${(err as Error).message}`);
  }
  return parseReplayCsv(text, spec);
}

export function parseReplayCsv(text: string, spec: ReplaySpec): ReplaySeries {
  const step = INTERVAL_MS[spec.interval];
  const openTimes: number[] = [];
  const rows: KlineRow[] = [];
  const rowJson: string[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    const f = line.split(',');
    const where = `${spec.file}:${i + 1}`;
    // The header is optional: Binance's own archives ship with and without it.
    if (openTimes.length === 0 && !INTEGER.test(f[0] ?? '')) continue;
    if (f.length !== 12) throw new ReplayError(`${where}: expected 12 columns, found ${f.length}`);
    const [ot, open, high, low, close, volume, ct, quoteVolume, trades, takerBase, takerQuote, ignore] = f as [
      string, string, string, string, string, string, string, string, string, string, string, string,
    ];
    for (const [name, v] of [['openTime', ot], ['closeTime', ct], ['trades', trades]] as const) {
      if (!INTEGER.test(v)) throw new ReplayError(`${where}: ${name} '${v}' is not an integer`);
    }
    for (const [name, v] of [['open', open], ['high', high], ['low', low], ['close', close], ['volume', volume],
      ['quoteVolume', quoteVolume], ['takerBuyBase', takerBase], ['takerBuyQuote', takerQuote], ['ignore', ignore]] as const) {
      if (!DECIMAL.test(v)) throw new ReplayError(`${where}: ${name} '${v}' is not a decimal number`);
    }
    const openTime = Number(ot);
    const closeTime = Number(ct);
    if (openTime % step !== 0) throw new ReplayError(`${where}: openTime ${openTime} is not on the ${spec.interval} grid`);
    if (closeTime !== openTime + step - 1) {
      throw new ReplayError(`${where}: closeTime ${closeTime} should be ${openTime + step - 1} for a ${spec.interval} candle`);
    }
    const prev = openTimes[openTimes.length - 1];
    if (prev !== undefined && openTime <= prev) {
      throw new ReplayError(`${where}: openTime ${openTime} is not after the previous row's ${prev}`);
    }
    const row: KlineRow = [openTime, open, high, low, close, volume, closeTime, quoteVolume, Number(trades), takerBase, takerQuote, ignore];
    openTimes.push(openTime);
    rows.push(row);
    rowJson.push(JSON.stringify(row));
  }
  return { symbol: spec.symbol, interval: spec.interval, file: spec.file, openTimes, rows, rowJson };
}

/** Index of the first row with openTime >= t (rows.length when none). */
export function lowerBound(openTimes: readonly number[], t: number): number {
  let lo = 0;
  let hi = openTimes.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (openTimes[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
