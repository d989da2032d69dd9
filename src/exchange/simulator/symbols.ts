import { DEFAULT_SYMBOLS } from '../../config/default-symbols.js';

/**
 * The symbols the simulator lists. The default list is the agent's universe, in the order the
 * config module uses, so `symbols: 60` serves exactly what a default install syncs.
 */
export { DEFAULT_SYMBOLS };

/** 2019-09-08T00:00:00Z, when Binance listed its first USD-M perpetual (BTCUSDT). */
export const DEFAULT_LISTING_TIME = Date.UTC(2019, 8, 8);

export const QUOTE_ASSET = 'USDT';

const SYMBOL_PATTERN = /^[A-Z0-9]{2,20}USDT$/;

/**
 * `symbols: N` takes the first N default symbols and, beyond 60, names that cannot collide with a
 * real listing (`SIM061USDT`, ...), so the symbol at a given position never changes with N.
 */
export function resolveSymbols(symbols: number | readonly string[] | undefined): string[] {
  if (symbols === undefined) return [...DEFAULT_SYMBOLS];
  if (typeof symbols === 'number') {
    if (!Number.isInteger(symbols) || symbols < 0 || symbols > 10_000) {
      throw new RangeError(`symbols must be an integer between 0 and 10000, got ${symbols}`);
    }
    const out = DEFAULT_SYMBOLS.slice(0, symbols);
    for (let i = out.length + 1; i <= symbols; i++) out.push(`SIM${String(i).padStart(3, '0')}USDT`);
    return out;
  }
  const seen = new Set<string>();
  for (const s of symbols) {
    if (!SYMBOL_PATTERN.test(s)) {
      throw new RangeError(`symbol ${JSON.stringify(s)} is not an upper-case USDT-margined symbol like BTCUSDT`);
    }
    seen.add(s);
  }
  return [...seen];
}

export function baseAssetOf(symbol: string): string {
  return symbol.endsWith(QUOTE_ASSET) ? symbol.slice(0, -QUOTE_ASSET.length) : symbol;
}
