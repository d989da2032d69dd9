import type { SchemaVersion } from '../schema/describe.js';

/**
 * Owned by src/sentiment/sentiment-store.ts (and src/sentiment/pg-sentiment-store.ts in PostgreSQL):
 * sentiment and macro series beside the candles.
 * Times are UTC epoch milliseconds unless a column is named `*_date` (FRED's own 'YYYY-MM-DD').
 * Every table has its natural key, so a re-run of the job upserts the same rows.
 */
export const marketV3Sentiment: SchemaVersion = {
  version: 3,
  tables: [
    {
      name: 'funding_rates',
      doc: `/fapi/v1/fundingRate. funding_time is the settlement rounded to the minute (Binance stamps
it a few ms late); funding_time_raw is what it sent. funding_rate is a fraction per
interval (0.0001 = 0.01%); mark_price in USDT (NULL when Binance sent ""). interval_ms is the
observed interval: this settlement minus the symbol's previous one (8 h, 4 h or 1 h;
NULL for the first stored).`,
      columns: [
        { name: 'symbol', type: 'text' },
        { name: 'funding_time', type: 'integer' },
        { name: 'funding_time_raw', type: 'integer' },
        { name: 'funding_rate', type: 'real' },
        { name: 'mark_price', type: 'real', nullable: true },
        { name: 'interval_ms', type: 'integer', nullable: true },
      ],
      primaryKey: ['symbol', 'funding_time'],
      withoutRowid: true,
    },
    {
      name: 'open_interest',
      doc: `/futures/data/openInterestHist: ts is the period's timestamp; oi_base in the base asset
(contracts), oi_usdt its value in USDT.`,
      columns: [
        { name: 'symbol', type: 'text' },
        { name: 'period', type: 'text' },
        { name: 'ts', type: 'integer' },
        { name: 'oi_base', type: 'real' },
        { name: 'oi_usdt', type: 'real' },
      ],
      primaryKey: ['symbol', 'period', 'ts'],
      withoutRowid: true,
    },
    {
      name: 'long_short_ratios',
      doc: `/futures/data/{global,top}LongShort*Ratio. kind: global_account, top_account, top_position.
ratio = long_frac / short_frac; the fractions are of accounts (or of position size), 0-1.`,
      columns: [
        { name: 'symbol', type: 'text' },
        { name: 'kind', type: 'text', check: "kind IN ('global_account', 'top_account', 'top_position')" },
        { name: 'period', type: 'text' },
        { name: 'ts', type: 'integer' },
        { name: 'ratio', type: 'real' },
        { name: 'long_frac', type: 'real' },
        { name: 'short_frac', type: 'real' },
      ],
      primaryKey: ['symbol', 'kind', 'period', 'ts'],
      withoutRowid: true,
    },
    {
      name: 'taker_volume',
      doc: '/futures/data/takerlongshortRatio: taker buy and sell volume in the base asset per period.',
      columns: [
        { name: 'symbol', type: 'text' },
        { name: 'period', type: 'text' },
        { name: 'ts', type: 'integer' },
        { name: 'buy_sell_ratio', type: 'real' },
        { name: 'buy_vol', type: 'real' },
        { name: 'sell_vol', type: 'real' },
      ],
      primaryKey: ['symbol', 'period', 'ts'],
      withoutRowid: true,
    },
    {
      name: 'premium_index',
      doc: `/fapi/v1/premiumIndex snapshots, one per symbol and hour: ts the hour (epoch ms), taken_at
the exchange's time of the newest snapshot in it; prices in USDT, rates as fractions.`,
      columns: [
        { name: 'symbol', type: 'text' },
        { name: 'ts', type: 'integer' },
        { name: 'taken_at', type: 'integer' },
        { name: 'mark_price', type: 'real' },
        { name: 'index_price', type: 'real' },
        { name: 'last_funding_rate', type: 'real' },
        { name: 'interest_rate', type: 'real', nullable: true },
        { name: 'next_funding_time', type: 'integer', nullable: true },
      ],
      primaryKey: ['symbol', 'ts'],
      withoutRowid: true,
    },
    {
      name: 'fear_greed',
      doc: `alternative.me Crypto Fear & Greed: day is 00:00 UTC of the day, value 0-100, and the
API's own classification ("Extreme Fear" ... "Extreme Greed").`,
      columns: [
        { name: 'day', type: 'integer' },
        { name: 'value', type: 'integer', check: 'value BETWEEN 0 AND 100' },
        { name: 'classification', type: 'text' },
      ],
      primaryKey: ['day'],
    },
    {
      name: 'fred_series',
      doc: `FRED series: frequency as FRED names it (frequency_short D, W, M, Q, A), units as FRED
states them; fetched_at (epoch ms) of the last successful fetch, realtime_through the
last day (YYYY-MM-DD) whose vintages are stored.`,
      columns: [
        { name: 'series_id', type: 'text' },
        { name: 'title', type: 'text', nullable: true },
        { name: 'frequency', type: 'text', nullable: true },
        { name: 'frequency_short', type: 'text', nullable: true },
        { name: 'units', type: 'text', nullable: true },
        { name: 'last_updated', type: 'text', nullable: true },
        { name: 'fetched_at', type: 'integer', nullable: true },
        { name: 'realtime_through', type: 'text', nullable: true },
      ],
      primaryKey: ['series_id'],
    },
    {
      name: 'fred_observations',
      doc: `FRED observations with their vintages (ALFRED): the value of obs_date as known from
realtime_start to realtime_end (both 'YYYY-MM-DD', inclusive; '9999-12-31' for the version
in force). value in the series' units, NULL where FRED sent ".". What was known on day D:
realtime_start <= D AND realtime_end >= D.`,
      columns: [
        { name: 'series_id', type: 'text' },
        { name: 'obs_date', type: 'text' },
        { name: 'realtime_start', type: 'text' },
        { name: 'realtime_end', type: 'text' },
        { name: 'value', type: 'real', nullable: true },
      ],
      primaryKey: ['series_id', 'obs_date', 'realtime_start'],
      withoutRowid: true,
    },
  ],
  indexes: [{ name: 'fred_observations_asof', table: 'fred_observations', columns: ['series_id', 'realtime_end', 'obs_date'] }],
  views: [
    {
      name: 'sentimento_mercado',
      doc: `For the agent: one row per symbol and UTC day (day = 00:00 UTC, epoch ms). funding_mean
the mean rate of the day's settlements; oi_usdt the day's last open interest and
oi_change_pct its change over the day (first to last, percent); the ratios are day means;
taker_ratio = taker buy / sell volume of the day; fear_greed the day's index.`,
      select: `
WITH days AS (
  SELECT symbol, (funding_time / 86400000) * 86400000 AS day FROM funding_rates
  UNION SELECT symbol, (ts / 86400000) * 86400000 FROM open_interest
  UNION SELECT symbol, (ts / 86400000) * 86400000 FROM long_short_ratios
  UNION SELECT symbol, (ts / 86400000) * 86400000 FROM taker_volume
),
f AS (
  SELECT symbol, (funding_time / 86400000) * 86400000 AS day, avg(funding_rate) AS funding_mean, count(*) AS fundings
  FROM funding_rates GROUP BY 1, 2
),
oi AS (
  SELECT symbol, (ts / 86400000) * 86400000 AS day, min(ts) AS t0, max(ts) AS t1
  FROM open_interest GROUP BY 1, 2
),
ls AS (
  SELECT symbol, (ts / 86400000) * 86400000 AS day,
         avg(CASE WHEN kind = 'global_account' THEN ratio END) AS global_account_ratio,
         avg(CASE WHEN kind = 'top_account' THEN ratio END) AS top_account_ratio,
         avg(CASE WHEN kind = 'top_position' THEN ratio END) AS top_position_ratio
  FROM long_short_ratios GROUP BY 1, 2
),
tv AS (
  SELECT symbol, (ts / 86400000) * 86400000 AS day,
         CASE WHEN sum(sell_vol) > 0 THEN sum(buy_vol) / sum(sell_vol) END AS taker_ratio
  FROM taker_volume GROUP BY 1, 2
)
SELECT d.symbol, d.day,
       f.funding_mean, f.fundings,
       (SELECT max(oi_usdt) FROM open_interest o WHERE o.symbol = d.symbol AND o.ts = oi.t1) AS oi_usdt,
       (SELECT 100.0 * (max(b.oi_usdt) - max(a.oi_usdt)) / max(a.oi_usdt)
          FROM open_interest a, open_interest b
         WHERE a.symbol = d.symbol AND a.ts = oi.t0 AND b.symbol = d.symbol AND b.ts = oi.t1) AS oi_change_pct,
       ls.global_account_ratio, ls.top_account_ratio, ls.top_position_ratio,
       tv.taker_ratio,
       fg.value AS fear_greed, fg.classification AS fear_greed_class
FROM days d
LEFT JOIN f ON f.symbol = d.symbol AND f.day = d.day
LEFT JOIN oi ON oi.symbol = d.symbol AND oi.day = d.day
LEFT JOIN ls ON ls.symbol = d.symbol AND ls.day = d.day
LEFT JOIN tv ON tv.symbol = d.symbol AND tv.day = d.day
LEFT JOIN fear_greed fg ON fg.day = d.day
`,
    },
  ],
};
