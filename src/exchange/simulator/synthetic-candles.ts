import type { Candle, KlineRow } from '../candle.js';
import { INTERVAL_MS, type Interval } from '../intervals.js';

/**
 * Deterministic synthetic candles. Every value is a pure function of (symbol, interval, open
 * time), computed in O(1), so a server can answer any page of any series without state and two
 * processes always agree on what "the exchange" holds.
 *
 * Prices and quantities are computed as integers in tick and lot units and only divided for
 * display: that makes low <= open,close <= high hold exactly, and makes the decimal strings
 * parse back to the very numbers the Candle carries.
 */

export interface SymbolProfile {
  symbol: string;
  seed: number;
  base: number;
  phase: number;
  priceDecimals: number;
  qtyDecimals: number;
  quoteDecimals: number;
  /** Average quote turnover per hour, in USDT. */
  turnoverPerHour: number;
  /** Average size of one trade, in USDT. */
  tradeQuote: number;
}

/** Rough real price levels, so demo screens look plausible for the best-known symbols. */
const KNOWN_BASES: Record<string, number> = {
  BTCUSDT: 60_000, ETHUSDT: 3_000, BNBUSDT: 550, SOLUSDT: 150, XRPUSDT: 0.6, DOGEUSDT: 0.15,
  ADAUSDT: 0.45, TRXUSDT: 0.12, AVAXUSDT: 30, LINKUSDT: 15, DOTUSDT: 6, BCHUSDT: 400,
  LTCUSDT: 80, NEARUSDT: 5, UNIUSDT: 8, ATOMUSDT: 7, ETCUSDT: 25,
};

const PERIOD = 97;
const WAVE = 0.15;
const NOISE = 0.03;
/** Wicks reach at most this fraction beyond the body. */
const WICK = 0.01;
const HOUR = 3_600_000;
const MAX_SAFE = 2 ** 52;

export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** murmur3's finaliser: cheap and good enough to decorrelate neighbouring inputs. */
export function fmix32(x: number): number {
  let h = x | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A uniform number in [0, 1) from a seed, an integer index and a salt. */
export function unitHash(seed: number, k: number, salt: number): number {
  let h = fmix32(seed ^ Math.imul(k | 0, 0xcc9e2d51));
  h = fmix32(h ^ Math.imul(Math.floor(k / 4294967296) | 0, 0x1b873593) ^ salt);
  h = fmix32(h + Math.imul(salt, 0x9e3779b1));
  return h / 4294967296;
}

const profiles = new Map<string, SymbolProfile>();

export function symbolProfile(symbol: string): SymbolProfile {
  const cached = profiles.get(symbol);
  if (cached) return cached;
  const seed = fnv1a(symbol);
  // Unknown symbols get a log-uniform price between 0.01 and 1000.
  const base = KNOWN_BASES[symbol] ?? 10 ** (-2 + 5 * unitHash(seed, 0, 11));
  const magnitude = Math.floor(Math.log10(base));
  const priceDecimals = clamp(6 - magnitude, 1, 8);
  const qtyDecimals = clamp(magnitude - 1, 0, 3);
  const turnoverPerHour = symbol === 'BTCUSDT' ? 4e8 : 2e6 * 10 ** (2 * unitHash(seed, 0, 12));
  // Quote volumes are integers in units of 10^-quoteDecimals; keep a whole day of the busiest
  // series well inside exact double range.
  let quoteDecimals = Math.min(8, priceDecimals + qtyDecimals);
  while (quoteDecimals > 0 && turnoverPerHour * 24 * 2 * 10 ** quoteDecimals > MAX_SAFE) quoteDecimals--;
  const profile: SymbolProfile = {
    symbol, seed, base,
    phase: 2 * Math.PI * unitHash(seed, 0, 13),
    priceDecimals, qtyDecimals, quoteDecimals, turnoverPerHour,
    tradeQuote: 200 + 4800 * unitHash(seed, 0, 14),
  };
  profiles.set(symbol, profile);
  return profile;
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}

function seriesSeed(profile: SymbolProfile, intervalMs: number): number {
  return fmix32(profile.seed ^ fmix32(intervalMs / 60_000 + 0x5eed));
}

function priceTicks(profile: SymbolProfile, sSeed: number, k: number, scale: number): number {
  const wave = WAVE * Math.sin(k / PERIOD + profile.phase);
  const noise = NOISE * (2 * unitHash(sSeed, k, 1) - 1);
  return Math.max(1, Math.round(profile.base * (1 + wave + noise) * scale));
}

/** Candle values in integer units: ticks for prices, lots for base quantities, quote units. */
interface RawCandle {
  openTime: number;
  closeTime: number;
  o: number; h: number; l: number; c: number;
  vol: number; takerVol: number;
  quote: number; takerQuote: number;
  trades: number;
}

/**
 * `fraction` < 1 gives the still-open candle as it looks part-way through: the exchange shows a
 * partial close and partial volumes there, and a client that stores it instead of waiting for
 * the close then disagrees with the final candle.
 */
function rawCandle(profile: SymbolProfile, intervalMs: number, openTime: number, fraction = 1): RawCandle {
  const k = openTime / intervalMs;
  const sSeed = seriesSeed(profile, intervalMs);
  const pScale = 10 ** profile.priceDecimals;
  const o = priceTicks(profile, sSeed, k - 1, pScale);
  const fullC = priceTicks(profile, sSeed, k, pScale);
  const fullTop = Math.max(o, fullC);
  const fullBottom = Math.min(o, fullC);
  const upWick = Math.floor(fullTop * WICK * unitHash(sSeed, k, 2));
  const downWick = Math.floor(fullBottom * WICK * unitHash(sSeed, k, 3));

  const c = fraction >= 1 ? fullC : o + Math.round((fullC - o) * fraction);
  const w = Math.min(1, fraction);
  const h = Math.max(o, c) + Math.floor(upWick * w);
  const l = Math.max(1, Math.min(o, c) - Math.floor(downWick * w));

  const qScale = 10 ** profile.qtyDecimals;
  const quoteScale = 10 ** profile.quoteDecimals;
  const avgPrice = (o + h + l + c) / 4 / pScale;
  const turnover = profile.turnoverPerHour * (intervalMs / HOUR) * (0.4 + 1.2 * unitHash(sSeed, k, 4));
  const fullVol = Math.floor((turnover / avgPrice) * qScale);
  const fullTaker = Math.floor(fullVol * (0.35 + 0.3 * unitHash(sSeed, k, 5)));
  const vol = Math.floor(fullVol * w);
  const takerVol = Math.floor(fullTaker * w);
  const quote = Math.round((vol / qScale) * avgPrice * quoteScale);
  const takerQuote = Math.min(quote, Math.round((takerVol / qScale) * avgPrice * quoteScale));
  const trades = vol === 0 ? 0 : Math.max(1, Math.round(quote / quoteScale / profile.tradeQuote));
  return { openTime, closeTime: openTime + intervalMs - 1, o, h, l, c, vol, takerVol, quote, takerQuote, trades };
}

function assertOnGrid(interval: Interval, openTime: number): number {
  const ms = INTERVAL_MS[interval];
  if (ms === undefined) throw new RangeError(`unknown interval ${String(interval)}`);
  if (!Number.isSafeInteger(openTime) || openTime % ms !== 0) {
    throw new RangeError(`openTime ${openTime} is not on the ${interval} grid`);
  }
  return ms;
}

function toCandle(symbol: string, interval: Interval, p: SymbolProfile, r: RawCandle): Candle {
  const ps = 10 ** p.priceDecimals;
  const qs = 10 ** p.qtyDecimals;
  const qq = 10 ** p.quoteDecimals;
  return {
    symbol, interval, openTime: r.openTime,
    open: r.o / ps, high: r.h / ps, low: r.l / ps, close: r.c / ps,
    volume: r.vol / qs, closeTime: r.closeTime, quoteVolume: r.quote / qq, trades: r.trades,
    takerBuyBase: r.takerVol / qs, takerBuyQuote: r.takerQuote / qq,
  };
}

const ZEROS = '000000000';

/**
 * Non-negative integer to string. V8 converts small integers fast but doubles above 2^30 (epoch
 * ms, quote volumes) several times slower, and the klines hot path formats millions of them.
 */
function intString(n: number): string {
  if (n < 1_073_741_824) return String(n);
  const hi = Math.floor(n / 1e6);
  const lo = String(n - hi * 1e6);
  return String(hi) + ZEROS.slice(0, 6 - lo.length) + lo;
}

/** `units` / 10^decimals as a plain decimal string: exact, and never in exponent form. */
function fixed(units: number, decimals: number): string {
  const digits = intString(units);
  if (decimals === 0) return digits;
  const padded = digits.length > decimals ? digits : ZEROS.slice(0, decimals + 1 - digits.length) + digits;
  const cut = padded.length - decimals;
  return `${padded.slice(0, cut)}.${padded.slice(cut)}`;
}

function toRow(p: SymbolProfile, r: RawCandle): KlineRow {
  const pd = p.priceDecimals;
  return [
    r.openTime, fixed(r.o, pd), fixed(r.h, pd), fixed(r.l, pd), fixed(r.c, pd),
    fixed(r.vol, p.qtyDecimals), r.closeTime, fixed(r.quote, p.quoteDecimals), r.trades,
    fixed(r.takerVol, p.qtyDecimals), fixed(r.takerQuote, p.quoteDecimals), '0',
  ];
}

/** The closed candle of `symbol` at `openTime` (which must sit on the interval grid). */
export function syntheticCandle(symbol: string, interval: Interval, openTime: number): Candle {
  const ms = assertOnGrid(interval, openTime);
  const p = symbolProfile(symbol);
  return toCandle(symbol, interval, p, rawCandle(p, ms, openTime));
}

/**
 * The candle as the exchange shows it at time `now`: the closed candle once `now` is past its
 * close time, else the partial candle `fraction` of the way through.
 */
export function syntheticCandleAt(symbol: string, interval: Interval, openTime: number, now: number): Candle {
  const ms = assertOnGrid(interval, openTime);
  const p = symbolProfile(symbol);
  return toCandle(symbol, interval, p, rawCandle(p, ms, openTime, openFraction(openTime, ms, now)));
}

/** The 12-field Binance row, decimals as strings, of the candle as seen at `now` (default: closed). */
export function syntheticRow(symbol: string, interval: Interval, openTime: number, now = Infinity): KlineRow {
  const ms = assertOnGrid(interval, openTime);
  const p = symbolProfile(symbol);
  return toRow(p, rawCandle(p, ms, openTime, openFraction(openTime, ms, now)));
}

/** The same row already serialised as JSON, which is what the server needs on its hot path. */
export function syntheticRowJson(symbol: string, interval: Interval, openTime: number, now = Infinity): string {
  return syntheticSeries(symbol, interval).rowJson(openTime, now);
}

/** One series with its per-symbol constants resolved once, for generating many candles. */
export interface SyntheticSeries {
  symbol: string;
  interval: Interval;
  intervalMs: number;
  candle(openTime: number, now?: number): Candle;
  rowJson(openTime: number, now?: number): string;
}

export function syntheticSeries(symbol: string, interval: Interval): SyntheticSeries {
  const ms = INTERVAL_MS[interval];
  if (ms === undefined) throw new RangeError(`unknown interval ${String(interval)}`);
  const p = symbolProfile(symbol);
  const pd = p.priceDecimals;
  const qd = p.qtyDecimals;
  const qq = p.quoteDecimals;
  return {
    symbol, interval, intervalMs: ms,
    candle: (openTime, now = Infinity) => toCandle(symbol, interval, p, rawCandle(p, ms, openTime, openFraction(openTime, ms, now))),
    rowJson: (openTime, now = Infinity) => {
      const r = rawCandle(p, ms, openTime, openFraction(openTime, ms, now));
      return `[${intString(r.openTime)},"${fixed(r.o, pd)}","${fixed(r.h, pd)}","${fixed(r.l, pd)}","${fixed(r.c, pd)}","${fixed(r.vol, qd)}",${intString(r.closeTime)},"${fixed(r.quote, qq)}",${r.trades},"${fixed(r.takerVol, qd)}","${fixed(r.takerQuote, qq)}","0"]`;
    },
  };
}

/** A deterministic synthetic price near `time`, for mark prices and open interest. */
export function syntheticPrice(symbol: string, interval: Interval, openTime: number): number {
  const ms = INTERVAL_MS[interval];
  const p = symbolProfile(symbol);
  const scale = 10 ** p.priceDecimals;
  return priceTicks(p, seriesSeed(p, ms), Math.floor(openTime / ms), scale) / scale;
}

function openFraction(openTime: number, intervalMs: number, now: number): number {
  const closeTime = openTime + intervalMs - 1;
  if (now > closeTime) return 1;
  // A candle that has just opened already holds its first trade.
  return Math.max(1, now - openTime + 1) / intervalMs;
}
