import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { configSchema, type Config } from '../../src/config/schema.js';
import type { HealthSnapshot, HealthStatus, MeasuredStatus, ProbeResult, SeriesFreshness } from '../../src/health/types.js';
import type { Interval } from '../../src/exchange/intervals.js';

export const HOUR = 3_600_000;
export const MINUTE = 60_000;
/** A fixed "now" for hand-built snapshots: tests never read the wall clock for alert logic. */
export const T0 = Date.UTC(2026, 0, 15, 12, 0, 0);

export const SYMBOLS = ['BTCUSDT', 'ETHUSDT', 'SOLUSDT'];
export const INTERVALS: Interval[] = ['15m', '1h', '4h', '1d'];

export function probe(id: string, status: HealthStatus, value: number | null = null, unit: ProbeResult['unit'] = 'none', detail = `${id} is ${status}`, offenders: ProbeResult['offenders'] = []): ProbeResult {
  return { id, title: id, status, value, threshold: null, unit, detail, offenders };
}

/**
 * A healthy snapshot at `at`: every series fresh, every probe ok. `ages` overrides the age of
 * whole intervals or single series ("1h" or "BTCUSDT 1h"); `probes` replaces probes by id.
 */
export function snapshot(options: { at?: number; ages?: Record<string, number | null>; probes?: ProbeResult[]; missing?: Partial<Record<Interval, string[]>> } = {}): HealthSnapshot {
  const at = options.at ?? T0;
  const freshness: SeriesFreshness[] = [];
  for (const interval of INTERVALS) {
    for (const symbol of SYMBOLS) {
      const ages = options.ages ?? {};
      const key = `${symbol} ${interval}`;
      const override = key in ages ? ages[key] : interval in ages ? ages[interval] : undefined;
      const ageMs = override === undefined ? 10 * MINUTE : override;
      freshness.push({ symbol, interval, lastOpenTime: ageMs === null ? null : at - ageMs - HOUR, ageMs, status: 'ok' });
    }
  }
  const coverage = INTERVALS.map((interval) => {
    const missing = options.missing?.[interval] ?? [];
    return { interval, present: SYMBOLS.length - missing.length, configured: SYMBOLS.length, missing, status: (missing.length ? 'warn' : 'ok') as MeasuredStatus };
  });
  const defaults = [
    probe('freshness', 'ok', 10 * MINUTE, 'ms'), probe('coverage', 'ok', 100, 'percent'), probe('integrity', 'ok', 0, 'count'),
    probe('size', 'ok', 50_000_000, 'bytes'), probe('backup', 'ok', 2 * HOUR, 'ms'), probe('logs', 'ok', 0, 'per-minute'),
    probe('continuity', 'ok', 0, 'count'), probe('disk', 'ok', 60, 'percent'), probe('last-sync', 'ok', 2 * HOUR, 'ms'),
    probe('daemon', 'ok', null, 'none'), probe('sentiment', 'ok', 2 * HOUR, 'ms'), probe('replication', 'ok', null, 'ms'),
  ];
  const replaced = new Map((options.probes ?? []).map((p) => [p.id, p]));
  const probes = defaults.map((p) => replaced.get(p.id) ?? p);
  const sentiment = (['binance', 'fng', 'fred'] as const).map((source) => ({ source, status: 'ok' as HealthStatus, ageMs: 2 * HOUR, stale: 0, total: 1, detail: '1 series' }));
  return { at, overall: 'ok', probes, freshness, coverage, sentiment };
}

export function testConfig(input: Record<string, unknown> = {}): Config & { dataDir: string } {
  return { ...configSchema.parse({ symbols: SYMBOLS, ...input }), dataDir: '/nonexistent' };
}

export interface Recorded {
  path: string;
  body: Record<string, unknown>;
  headers: http.IncomingHttpHeaders;
  /** The test's clock when the request arrived (a ManualClock in rate-limit tests). */
  at: number;
  /** What the stand-in answered. */
  status: number;
}

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

/**
 * A local HTTP server standing in for Slack, Telegram, PagerDuty or a webhook: records every
 * request and answers from a script (default: 200 `{ ok: true }`, PagerDuty-style 202 when told).
 */
export class Recorder {
  readonly requests: Recorded[] = [];
  /** Answers to give next, in order; then `fallback`. */
  readonly script: Reply[] = [];
  fallback: Reply;
  private server: http.Server | null = null;
  url = '';

  constructor(private readonly now: () => number = Date.now, fallback: Reply = { status: 200, body: { ok: true } }) {
    this.fallback = fallback;
  }

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => {
      let data = '';
      req.on('data', (chunk: Buffer) => { data += chunk.toString(); });
      req.on('end', () => {
        let body: Record<string, unknown> = {};
        try { body = JSON.parse(data) as Record<string, unknown>; } catch { body = { raw: data }; }
        const reply = this.script.shift() ?? this.fallback;
        this.requests.push({ path: req.url ?? '/', body, headers: req.headers, at: this.now(), status: reply.status });
        res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
        res.end(JSON.stringify(reply.body ?? {}));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** Requests answered 2xx: what the service took. */
  delivered(): Recorded[] {
    return this.requests.filter((r) => r.status < 300);
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      if (!this.server) return resolve();
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}

export interface Mail {
  from: string;
  to: string[];
  subject: string;
  text: string;
  user: string | null;
  password: string | null;
}

/** A local SMTP server that keeps every message (plain SMTP with AUTH, as a relay would be). */
export class MailCatcher {
  readonly mails: Mail[] = [];
  private server: SMTPServer | null = null;
  port = 0;

  async start(): Promise<this> {
    const logins = new Map<string, { user: string; password: string }>();
    this.server = new SMTPServer({
      authOptional: true,
      allowInsecureAuth: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onAuth: (auth, session, callback) => {
        logins.set(session.id, { user: auth.username ?? '', password: auth.password ?? '' });
        callback(null, { user: auth.username });
      },
      onData: (stream, session, callback) => {
        let raw = '';
        stream.on('data', (chunk: Buffer) => { raw += chunk.toString(); });
        stream.on('end', () => {
          const [head = '', ...rest] = raw.split(/\r?\n\r?\n/);
          const subject = /^Subject: (.*(?:\r?\n[ \t].*)*)/m.exec(head)?.[1]?.replace(/\r?\n[ \t]/g, ' ') ?? '';
          const login = logins.get(session.id);
          this.mails.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            subject: decodeHeader(subject),
            text: decodeBody(head, rest.join('\n\n')),
            user: login?.user ?? null,
            password: login?.password ?? null,
          });
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', () => resolve()));
    this.port = (this.server.server.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

/** Subjects with non-ASCII text come as RFC 2047 encoded words. */
function decodeHeader(value: string): string {
  return value.replace(/=\?utf-8\?([BQ])\?([^?]*)\?=\s*/gi, (_, enc: string, text: string) => (enc.toUpperCase() === 'B'
    ? Buffer.from(text, 'base64').toString('utf8')
    : text.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (__, h: string) => String.fromCharCode(parseInt(h, 16)))));
}

function decodeBody(head: string, body: string): string {
  if (/Content-Transfer-Encoding: base64/i.test(head)) return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (/Content-Transfer-Encoding: quoted-printable/i.test(head)) {
    const bytes = body.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
    return Buffer.from(bytes, 'latin1').toString('utf8');
  }
  return body;
}

/** Alert ids a chat or mail message names ("alert #12"). */
export function alertIds(text: string): number[] {
  return [...text.matchAll(/alert #(\d+)/g)].map((m) => Number(m[1]));
}
