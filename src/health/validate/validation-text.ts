import { isoMinute } from '../format-values.js';
import { healthMark } from '../status.js';
import type { ValidationEvent, ValidationReport } from './run-validation.js';

/** JSON-line forms: times as ISO strings beside the epoch ms, so scripts and people both read them. */
export function gapJson(g: { symbol: string; interval: string; fromOpenTime: number; toOpenTime: number; missing: number }) {
  return { symbol: g.symbol, interval: g.interval, from: new Date(g.fromOpenTime).toISOString(), to: new Date(g.toOpenTime).toISOString(), fromOpenTime: g.fromOpenTime, toOpenTime: g.toOpenTime, missing: g.missing };
}

export function eventJson(e: ValidationEvent): object {
  switch (e.event) {
    case 'check': return { event: 'check', id: e.probe.id, status: e.probe.status, value: e.probe.value, detail: e.probe.detail, offenders: e.probe.offenders };
    case 'gap': return { event: 'gap', ...gapJson(e.hole), result: e.result, stored: e.stored, exchangeGaps: e.exchangeGaps.map(gapJson), ...(e.error ? { error: e.error } : {}) };
    case 'backfill': return { event: 'backfill', ...e.outcome };
  }
}

export function summaryJson(r: ValidationReport): object {
  return {
    event: 'summary',
    status: r.status,
    heal: r.heal,
    probes: r.probes.map((p) => ({ id: p.id, status: p.status, value: p.value, detail: p.detail })),
    holes: { found: r.holes.found, filled: r.holes.filled, exchangeGaps: r.holes.exchangeGaps, open: r.holes.open.map(gapJson) },
    missingSeries: r.missingSeries,
    candlesStored: r.candlesStored,
    ...(r.healError ? { healError: r.healError } : {}),
    // Known exchange gaps stay visible here though no probe reports them any more.
    knownGaps: r.knownGaps.map((k) => ({ ...gapJson(k), confirmedAt: k.confirmedAt, confirmed: new Date(k.confirmedAt).toISOString().slice(0, 10) })),
    durationMs: r.durationMs,
  };
}

export function eventText(e: ValidationEvent): string {
  switch (e.event) {
    case 'check': return `${healthMark(e.probe.status).padEnd(11)} ${e.probe.id.padEnd(11)} ${e.probe.detail}`;
    case 'gap': {
      const where = `${e.hole.symbol} ${e.hole.interval} ${isoMinute(e.hole.fromOpenTime)}..${isoMinute(e.hole.toOpenTime)} (${e.hole.missing} missing)`;
      const what = { filled: '✔ filled', 'exchange-gap': '· exchange has none: recorded as a known gap', 'partly-filled': '▲ partly filled', open: '✖ still open' }[e.result];
      return `  gap ${where}: ${what}, ${e.stored} stored${e.error ? ` (${e.error})` : ''}`;
    }
    case 'backfill':
      return `  backfill ${e.outcome.symbol} ${e.outcome.interval}: ${e.outcome.status === 'ok' ? '✔' : '✖'} ${e.outcome.stored} stored${e.outcome.error ? ` (${e.outcome.error})` : ''}`;
  }
}

export function summaryText(r: ValidationReport): string {
  const lines = [
    r.status === 'clean' ? '✔ validation clean' : '✖ validation found problems that remain',
    `  holes: ${r.holes.found} found, ${r.holes.filled} filled, ${r.holes.exchangeGaps} confirmed missing on the exchange, ${r.holes.open.length} open`,
    `  missing series: ${r.missingSeries.found} found, ${r.missingSeries.backfilled} backfilled, ${r.missingSeries.open.length} open${r.missingSeries.open.length ? ` (${r.missingSeries.open.slice(0, 10).join(', ')})` : ''}`,
    `  ${r.candlesStored} candles stored, ${r.knownGaps.length} known exchange gaps, ${(r.durationMs / 1000).toFixed(1)} s`,
  ];
  for (const k of r.knownGaps.slice(0, 10)) {
    lines.push(`  · known gap ${k.symbol} ${k.interval} ${isoMinute(k.fromOpenTime)}..${isoMinute(k.toOpenTime)} (${k.missing} candles), confirmed ${new Date(k.confirmedAt).toISOString().slice(0, 10)}`);
  }
  if (r.healError) lines.push(`  ✖ healing stopped: ${r.healError}`);
  if (r.status !== 'clean' && !r.heal) lines.push('  Run `cfa-console validate --heal` to refetch what the exchange has.');
  return `${lines.join('\n')}\n`;
}
