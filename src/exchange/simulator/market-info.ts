import { baseAssetOf, QUOTE_ASSET } from './symbols.js';
import { symbolProfile, syntheticPrice } from './synthetic-candles.js';

/** exchangeInfo and open interest: deterministic, and cheap to serve (funding: sentiment-data.ts). */

export interface ListedSymbol {
  symbol: string;
  listingTime: number;
}

/** Binance reports its limits per minute or second; a test window of 250 ms has no exact name. */
function rateLimitWindow(windowMs: number): { interval: string; intervalNum: number } {
  if (windowMs % 60_000 === 0) return { interval: 'MINUTE', intervalNum: windowMs / 60_000 };
  return { interval: 'SECOND', intervalNum: Math.max(1, Math.round(windowMs / 1000)) };
}

function step(decimals: number): string {
  return decimals === 0 ? '1' : `0.${'0'.repeat(decimals - 1)}1`;
}

/**
 * The exchangeInfo body split around serverTime: everything else is fixed for the server's
 * lifetime, so each request only concatenates.
 */
export function exchangeInfoTemplate(symbols: readonly ListedSymbol[], windowMs: number, weightLimit: number): [string, string] {
  const list = symbols.map(({ symbol, listingTime }) => {
    const p = symbolProfile(symbol);
    const tick = step(p.priceDecimals);
    const lot = step(p.qtyDecimals);
    return {
      symbol,
      pair: symbol,
      contractType: 'PERPETUAL',
      deliveryDate: 4133404800000,
      onboardDate: listingTime,
      status: 'TRADING',
      maintMarginPercent: '2.5000',
      requiredMarginPercent: '5.0000',
      baseAsset: baseAssetOf(symbol),
      quoteAsset: QUOTE_ASSET,
      marginAsset: QUOTE_ASSET,
      pricePrecision: p.priceDecimals,
      quantityPrecision: p.qtyDecimals,
      baseAssetPrecision: 8,
      quotePrecision: 8,
      underlyingType: 'COIN',
      underlyingSubType: [],
      triggerProtect: '0.0500',
      liquidationFee: '0.012500',
      marketTakeBound: '0.05',
      filters: [
        { filterType: 'PRICE_FILTER', tickSize: tick, minPrice: tick, maxPrice: String(Math.ceil(p.base * 100)) },
        { filterType: 'LOT_SIZE', stepSize: lot, minQty: lot, maxQty: '10000000' },
        { filterType: 'MIN_NOTIONAL', notional: '5' },
      ],
      orderTypes: ['LIMIT', 'MARKET', 'STOP', 'STOP_MARKET', 'TAKE_PROFIT', 'TAKE_PROFIT_MARKET', 'TRAILING_STOP_MARKET'],
      timeInForce: ['GTC', 'IOC', 'FOK', 'GTX', 'GTD'],
    };
  });
  const rest = {
    futuresType: 'U_MARGINED',
    rateLimits: [
      { rateLimitType: 'REQUEST_WEIGHT', ...rateLimitWindow(windowMs), limit: weightLimit },
      { rateLimitType: 'ORDERS', interval: 'MINUTE', intervalNum: 1, limit: 1200 },
      { rateLimitType: 'ORDERS', interval: 'SECOND', intervalNum: 10, limit: 300 },
    ],
    exchangeFilters: [],
    assets: [{ asset: QUOTE_ASSET, marginAvailable: true, autoAssetExchange: '-10000' }],
    symbols: list,
  };
  return ['{"timezone":"UTC","serverTime":', `,${JSON.stringify(rest).slice(1)}`];
}

/** Open interest, moving smoothly by the minute. */
export function openInterestJson(symbol: string, now: number): string {
  const p = symbolProfile(symbol);
  const minute = Math.floor(now / 60_000);
  const notional = p.turnoverPerHour * 6 * (1 + 0.2 * Math.sin(minute / 720 + p.phase));
  const qty = notional / syntheticPrice(symbol, '1h', now);
  return JSON.stringify({ openInterest: qty.toFixed(p.qtyDecimals), symbol, time: now });
}
