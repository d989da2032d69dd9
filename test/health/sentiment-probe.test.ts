import { describe, expect, it } from 'vitest';
import { fredLimits, judgeSentiment, sentimentLimits, type SentimentFacts } from '../../src/health/probes/sentiment.js';

const H = 3_600_000;
const D = 24 * H;
const NOW = Date.UTC(2026, 6, 10, 12);

function facts(over: Partial<SentimentFacts> = {}): SentimentFacts {
  return {
    sources: ['binance', 'fng', 'fred'], symbols: ['BTCUSDT', 'ETHUSDT'], period: '1h', periodMs: H,
    funding: [{ symbol: 'BTCUSDT', fundingTime: NOW - 2 * H, intervalMs: 8 * H }, { symbol: 'ETHUSDT', fundingTime: NOW - 2 * H, intervalMs: 8 * H }],
    futuresData: [{ symbol: 'BTCUSDT', newestTs: NOW - H }, { symbol: 'ETHUSDT', newestTs: NOW - H }],
    fearGreedDay: NOW - 12 * H,
    fred: [{ seriesId: 'DFF', frequencyShort: 'D', lastObsDate: '2026-07-09' }, { seriesId: 'CPIAUCSL', frequencyShort: 'M', lastObsDate: '2026-05-01' }],
    fredSeries: ['DFF', 'CPIAUCSL'],
    now: NOW,
    ...over,
  };
}

describe('the sentiment probe', () => {
  it('is ok when every source is within its own frequency', () => {
    const { probe, sources } = judgeSentiment(facts());
    expect(probe.status).toBe('ok');
    expect(sources.map((s) => `${s.source} ${s.status}`)).toEqual(['binance ok', 'fng ok', 'fred ok']);
  });

  it('judges funding by the interval observed per symbol: 4 h funding goes stale sooner than 8 h', () => {
    const age = D + 7 * H; // within a day's run + 8 h + 2 h, beyond a day + 4 h + 2 h
    const { probe } = judgeSentiment(facts({
      funding: [{ symbol: 'BTCUSDT', fundingTime: NOW - age, intervalMs: 4 * H }, { symbol: 'ETHUSDT', fundingTime: NOW - age, intervalMs: 8 * H }],
    }));
    expect(probe.status).toBe('warn');
    expect(probe.offenders.map((o) => o.name)).toEqual(['BTCUSDT funding']);
    expect(probe.offenders[0]!.detail).toMatch(/^warn: 1d 7h old \(warn over 1d 6h, critical over 2d 6h\)/);
  });

  it('gives Fear & Greed a day, and FRED series their frequency plus release lag', () => {
    expect(sentimentLimits(D).warn).toBe(2 * D + 2 * H);
    const fng = (age: number) => judgeSentiment(facts({ fearGreedDay: NOW - age })).sources.find((s) => s.source === 'fng')!.status;
    expect([fng(2 * D), fng(3 * D), fng(4 * D)]).toEqual(['ok', 'warn', 'critical']);
    // March CPI is published in mid-April: a CPI whose newest observation is two months old is fine ...
    expect(fredLimits('CPIAUCSL', 'M').warn).toBeGreaterThan(70 * D);
    // A release a few days late warns; critical is a whole month more.
    expect(fredLimits('CPIAUCSL', 'M').critical - fredLimits('CPIAUCSL', 'M').warn).toBe(31 * D);
    // ... a daily rate four days old over a weekend is fine, nine days is not.
    const stale = judgeSentiment(facts({ fred: [{ seriesId: 'DFF', frequencyShort: 'D', lastObsDate: '2026-07-01' }, { seriesId: 'CPIAUCSL', frequencyShort: 'M', lastObsDate: '2026-05-01' }] }));
    expect(stale.sources.find((s) => s.source === 'fred')).toMatchObject({ status: 'critical', stale: 1, total: 2 });
    expect(stale.probe.offenders.map((o) => o.name)).toEqual(['DFF']);
  });

  it('a symbol with no data when others have it warns; no data at all is unknown, with what to run', () => {
    const missing = judgeSentiment(facts({ funding: [{ symbol: 'BTCUSDT', fundingTime: NOW - 2 * H, intervalMs: 8 * H }] }));
    expect(missing.probe.status).toBe('warn');
    expect(missing.probe.offenders).toContainEqual({ name: 'ETHUSDT funding', value: null, detail: 'no data' });

    const none = judgeSentiment(facts({ funding: [], futuresData: [], fearGreedDay: null, fred: [] }));
    expect(none.probe.status).toBe('unknown');
    expect(none.probe.detail).toMatch(/no sentiment data yet: run `cfa-console sentiment`/);
  });

  it('judges only the configured sources', () => {
    const { sources } = judgeSentiment(facts({ sources: ['fng'], fred: [] }));
    expect(sources.map((s) => s.source)).toEqual(['fng']);
  });
});
