import { afterEach, describe, expect, it, vi } from 'vitest';
import { AlertStore } from '../../src/alerts/alert-state.js';
import { ManualClock } from '../../src/alerts/clock.js';
import { fingerprint } from '../../src/alerts/rules.js';
import { AlertService } from '../../src/alerts/service.js';
import type { ActiveAlert } from '../../src/alerts/types.js';
import { openOpsDb } from '../../src/store/ops-db.js';
import type { Db } from '../../src/store/sqlite.js';
import { tempDir } from '../helpers/temp-dir.js';
import { HOUR, MINUTE, MailCatcher, Recorder, T0, alertIds, snapshot, testConfig, type Recorded } from './helpers.js';

interface Stand {
  clock: ManualClock;
  slack: Recorder;
  telegram: Recorder;
  pagerduty: Recorder;
  webhook: Recorder;
  mail: MailCatcher;
  db: Db;
  service: AlertService;
}

const open: Stand[] = [];

afterEach(async () => {
  for (const s of open.splice(0)) {
    await s.service.stop();
    s.db.close();
    await Promise.all([s.slack.stop(), s.telegram.stop(), s.pagerduty.stop(), s.webhook.stop(), s.mail.stop()]);
  }
});

/** Every channel pointed at a local stand-in, on a manual clock. */
async function stand(alerts: Record<string, unknown> = {}, chatId = '-1001234567890'): Promise<Stand> {
  const clock = new ManualClock(T0);
  const now = () => clock.now();
  const slack = await new Recorder(now).start();
  const telegram = await new Recorder(now).start();
  const pagerduty = await new Recorder(now, { status: 202, body: { status: 'success', message: 'Event processed' } }).start();
  const webhook = await new Recorder(now).start();
  const mail = await new MailCatcher().start();
  const dir = tempDir();
  const db = openOpsDb(dir);
  const config = {
    ...testConfig({
      alerts: {
        channels: {
          slack: { webhookUrl: `${slack.url}/services/T000/B000/slacksecret` },
          telegram: { botToken: '123456:telegram-secret', chatId, apiUrl: telegram.url },
          pagerduty: { routingKey: 'pagerduty-routing-secret', url: `${pagerduty.url}/v2/enqueue` },
          email: { host: '127.0.0.1', port: mail.port, secure: false, user: 'cfa', password: 'smtp-secret', from: 'cfa@example.com', to: ['ops@example.com'] },
          webhook: { url: `${webhook.url}/hook`, headers: { authorization: 'Bearer webhook-secret' } },
        },
        delivery: { backoffBase: '1s', backoffMax: '1m', requestTimeout: '5s' },
        ...alerts,
      },
    }),
    dataDir: dir,
  };
  const service = new AlertService({ db, config, env: {}, clock, runs: () => [], daemonFacts: () => null });
  const s = { clock, slack, telegram, pagerduty, webhook, mail, db, service };
  open.push(s);
  return s;
}

function text(r: Recorded): string {
  return String(r.body.text ?? '');
}

function pdActions(pd: Recorder): string[] {
  return pd.delivered().map((r) => `${String(r.body.event_action)} ${String(r.body.dedup_key)}`);
}

describe('delivery to the channels', () => {
  it('a stale-data scenario fires the right alerts on the right channels once, then resolves them', async () => {
    const s = await stand();
    // The 4h series are past 26 h (critical), the 1h ones past their 6 h early limit (warning).
    const stale = (at: number) => snapshot({ at, ages: { '4h': 30 * HOUR, '1h': 7 * HOUR } });
    s.service.evaluate(stale(T0), T0);
    s.clock.advance(10 * MINUTE);
    const fired = s.service.evaluate(stale(s.clock.now()));
    expect(fired.fired.map((a) => `${a.severity} ${a.rule} ${a.labels.interval}`).sort()).toEqual(['critical data-stale 4h', 'warning data-stale-early 1h']);
    const critical = fired.fired.find((a) => a.severity === 'critical')!;
    const warning = fired.fired.find((a) => a.severity === 'warning')!;

    const first = await s.service.worker.drain();
    expect(first).toMatchObject({ remaining: 0, givenUp: 0 });

    // Slack, Telegram, email and the webhook: one grouped message with both alerts.
    expect(s.slack.delivered()).toHaveLength(1);
    expect(s.slack.delivered()[0]!.path).toBe('/services/T000/B000/slacksecret');
    const slackText = text(s.slack.delivered()[0]!);
    expect(slackText).toContain('1 critical, 1 warning');
    expect(slackText).toContain('[CRITICAL] FIRING data-stale{interval="4h"}: 3 of 3 4h series have no candle newer than 1d');
    expect(slackText).toContain(`alert #${critical.id}, runbook stale-data`);
    expect(slackText).toContain('[WARNING] FIRING data-stale-early{interval="1h"}');
    expect(s.telegram.delivered()).toHaveLength(1);
    expect(s.telegram.delivered()[0]!.path).toBe('/bot123456:telegram-secret/sendMessage');
    expect(s.telegram.delivered()[0]!.body.chat_id).toBe('-1001234567890');
    expect(alertIds(text(s.telegram.delivered()[0]!)).sort()).toEqual([critical.id, warning.id].sort());
    expect(s.mail.mails).toHaveLength(1);
    expect(s.mail.mails[0]).toMatchObject({ to: ['ops@example.com'], from: 'cfa@example.com', user: 'cfa', password: 'smtp-secret' });
    expect(s.mail.mails[0]!.subject).toContain('1 critical, 1 warning');
    expect(alertIds(s.mail.mails[0]!.text).sort()).toEqual([critical.id, warning.id].sort());
    expect(s.webhook.delivered()).toHaveLength(1);
    expect(s.webhook.delivered()[0]!.headers.authorization).toBe('Bearer webhook-secret');
    expect((s.webhook.delivered()[0]!.body.notifications as { alertId: number }[]).map((n) => n.alertId).sort()).toEqual([critical.id, warning.id].sort());

    // PagerDuty: critical only, one trigger with a stable dedup key.
    expect(s.pagerduty.delivered()).toHaveLength(1);
    const trigger = s.pagerduty.delivered()[0]!.body;
    expect(trigger).toMatchObject({ routing_key: 'pagerduty-routing-secret', event_action: 'trigger', payload: { severity: 'critical', class: 'data-stale' } });
    const dedupKey = String(trigger.dedup_key);
    expect(dedupKey).toContain(`/data-stale/${fingerprint('data-stale', { interval: '4h' })}`);

    // Still stale: nothing new anywhere.
    s.clock.advance(5 * MINUTE);
    expect(s.service.evaluate(stale(s.clock.now())).enqueued).toBe(0);
    await s.service.worker.drain();
    expect([s.slack, s.telegram, s.pagerduty, s.webhook].map((r) => r.requests.length)).toEqual([1, 1, 1, 1]);

    // Fresh again: one resolve message per channel, PagerDuty resolves the same key.
    s.clock.advance(5 * MINUTE);
    const resolved = s.service.evaluate(snapshot({ at: s.clock.now() }));
    expect(resolved.resolved).toHaveLength(2);
    await s.service.worker.drain();
    expect(pdActions(s.pagerduty)).toEqual([`trigger ${dedupKey}`, `resolve ${dedupKey}`]);
    expect(s.slack.delivered()).toHaveLength(2);
    expect(text(s.slack.delivered()[1]!)).toContain('2 resolved');
    expect(text(s.slack.delivered()[1]!)).toContain('RESOLVED data-stale{interval="4h"}');
    expect(s.telegram.delivered()).toHaveLength(2);
    expect(s.mail.mails).toHaveLength(2);
    expect(s.webhook.delivered()).toHaveLength(2);
  });

  it('honours 429 Retry-After, Telegram\'s retry_after, and retries failures with backoff, delivering once', async () => {
    const s = await stand({ for: { 'data-stale': '0s' } });
    s.slack.script.push({ status: 429, headers: { 'retry-after': '7' }, body: { error: 'rate_limited' } });
    s.telegram.script.push({ status: 429, body: { ok: false, error_code: 429, description: 'Too Many Requests: retry after 5', parameters: { retry_after: 5 } } });
    s.pagerduty.script.push({ status: 429, body: { status: 'throttle' } });
    s.webhook.script.push({ status: 500, body: { error: 'down' } }, { status: 503 });
    s.service.evaluate(snapshot({ at: T0, ages: { '4h': 30 * HOUR } }), T0);
    const drained = await s.service.worker.drain();
    expect(drained).toMatchObject({ remaining: 0, givenUp: 0 });

    const gap = (r: Recorder) => r.requests[1]!.at - r.requests[0]!.at;
    expect(s.slack.requests.map((r) => r.status)).toEqual([429, 200]);
    expect(gap(s.slack)).toBeGreaterThanOrEqual(7000);
    expect(s.telegram.requests.map((r) => r.status)).toEqual([429, 200]);
    expect(gap(s.telegram)).toBeGreaterThanOrEqual(5000);
    expect(s.pagerduty.requests.map((r) => r.status)).toEqual([429, 202]);
    expect(gap(s.pagerduty)).toBeGreaterThanOrEqual(1000);
    expect(s.webhook.requests.map((r) => r.status)).toEqual([500, 503, 200]);
    expect(s.webhook.requests[2]!.at - s.webhook.requests[1]!.at).toBeGreaterThanOrEqual(2 * (s.webhook.requests[1]!.at - s.webhook.requests[0]!.at));
    // Exactly one delivered copy each.
    expect([s.slack, s.telegram, s.pagerduty, s.webhook].map((r) => r.delivered().length)).toEqual([1, 1, 1, 1]);
    expect(s.mail.mails).toHaveLength(1);
    const row = s.service.outbox.since(0).find((r) => r.channel === 'webhook')!;
    expect(row).toMatchObject({ attempts: 3, lastError: null });
    expect(row.deliveredAt).not.toBeNull();
  });

  it('gives up after maxAttempts, keeps the row and says why (never silently dropped)', async () => {
    const s = await stand({ for: { 'data-stale': '0s' }, delivery: { maxAttempts: 3, backoffBase: '1s', backoffMax: '1m' } });
    s.slack.fallback = { status: 404, body: { error: 'no_service' } };
    s.service.evaluate(snapshot({ at: T0, ages: { '4h': 30 * HOUR } }), T0);
    const drained = await s.service.worker.drain();
    expect(drained.givenUp).toBe(1);
    expect(s.slack.requests).toHaveLength(3);
    const stats = s.service.outbox.stats().find((q) => q.channel === 'slack')!;
    expect(stats).toMatchObject({ pending: 0, failed: 1 });
    expect(stats.lastError).toContain('HTTP 404');
  });

  it('200 alerts in a burst: grouped per channel, every limit kept, none lost', async () => {
    const s = await stand();
    s.slack.script.push({ status: 200 }, { status: 429, headers: { 'retry-after': '3' } });
    s.telegram.script.push({ status: 200 }, { status: 200 }, { status: 429, body: { ok: false, error_code: 429, parameters: { retry_after: 4 } } });
    for (let i = 0; i < 49; i++) s.pagerduty.script.push({ status: 202 });
    s.pagerduty.script.push({ status: 429, headers: { 'retry-after': '10' } });

    const storm: ActiveAlert[] = Array.from({ length: 200 }, (_, i) => ({
      rule: 'missing-symbols', severity: 'critical', runbook: 'missing-symbols', forMs: 0,
      labels: { interval: `x${i}` }, fingerprint: fingerprint('missing-symbols', { interval: `x${i}` }),
      // Long enough that Telegram's 4096 characters hold about ten: more than 20 messages, so
      // its 20-a-minute group limit is exercised too.
      summary: `storm alert number ${i}: ${'a summary long enough to make the messages big; '.repeat(7)}`,
    }));
    new AlertStore(s.db).apply(storm, {
      now: T0, routeFor: () => ['pagerduty', 'slack', 'telegram', 'email', 'webhook'], repeatCriticalMs: 4 * HOUR, instance: 'test-host',
    });
    const ids = new AlertStore(s.db).open().map((a) => a.id).sort((a, b) => a - b);
    expect(ids).toHaveLength(200);

    const drained = await s.service.worker.drain({ maxWaitMs: 10 * MINUTE });
    expect(drained).toMatchObject({ remaining: 0, givenUp: 0 });

    const sorted = (list: number[]) => [...list].sort((a, b) => a - b);
    // None lost, none twice, on every channel.
    expect(sorted(s.slack.delivered().flatMap((r) => alertIds(text(r))))).toEqual(ids);
    expect(sorted(s.telegram.delivered().flatMap((r) => alertIds(text(r))))).toEqual(ids);
    expect(sorted(s.mail.mails.flatMap((m) => alertIds(m.text)))).toEqual(ids);
    expect(sorted(s.webhook.delivered().flatMap((r) => (r.body.notifications as { alertId: number }[]).map((n) => n.alertId)))).toEqual(ids);
    const pdAlerts = s.pagerduty.delivered().map((r) => (r.body.payload as { custom_details: { alert_id: number } }).custom_details.alert_id);
    expect(sorted(pdAlerts)).toEqual(ids);
    expect(new Set(s.pagerduty.delivered().map((r) => r.body.dedup_key)).size).toBe(200);

    // Grouped: a handful of messages, not two hundred (PagerDuty keeps one event per alert).
    expect(s.slack.requests.length).toBeLessThanOrEqual(6);
    expect(s.webhook.requests.length).toBeLessThanOrEqual(3);
    expect(s.mail.mails.length).toBe(1);
    for (const r of s.telegram.requests) expect(text(r).length).toBeLessThanOrEqual(4096);

    const times = (r: Recorder) => r.requests.map((q) => q.at);
    const minGap = (t: number[]) => Math.min(...t.slice(1).map((v, i) => v - t[i]!));
    const maxIn = (t: number[], windowMs: number) => Math.max(...t.map((start) => t.filter((v) => v >= start && v < start + windowMs).length));
    // Slack about 1/s; Telegram 1/s per chat and 20/min for a group; PagerDuty 120/min.
    expect(minGap(times(s.slack))).toBeGreaterThanOrEqual(1000);
    expect(minGap(times(s.telegram))).toBeGreaterThanOrEqual(1000);
    expect(s.telegram.requests.length).toBeGreaterThan(20);
    expect(maxIn(times(s.telegram), 60_000)).toBeLessThanOrEqual(20);
    expect(maxIn(times(s.pagerduty), 60_000)).toBeLessThanOrEqual(120);
    expect(maxIn(times(s.pagerduty), 60_000)).toBeGreaterThan(100);
    // And the 429s were honoured.
    const after = (r: Recorder, status: number) => {
      const i = r.requests.findIndex((q) => q.status === status);
      return r.requests[i + 1]!.at - r.requests[i]!.at;
    };
    expect(after(s.slack, 429)).toBeGreaterThanOrEqual(3000);
    expect(after(s.telegram, 429)).toBeGreaterThanOrEqual(4000);
    expect(after(s.pagerduty, 429)).toBeGreaterThanOrEqual(10_000);
    // The first grouped message waited for the storm to gather (groupWait 5s).
    expect(s.slack.requests[0]!.at - T0).toBeGreaterThanOrEqual(5000);
  });

  it('rows for a channel this process lacks are left for one that has it', async () => {
    const s = await stand({ for: { 'data-stale': '0s' } });
    s.service.evaluate(snapshot({ at: T0, ages: { '4h': 30 * HOUR } }), T0);
    const { DeliveryWorker } = await import('../../src/alerts/delivery-worker.js');
    const slackOnly = new DeliveryWorker({
      db: s.db, channels: new Map([['slack', s.service.channels.get('slack')!]]), clock: s.clock,
      groupWaitMs: 0, maxAttempts: 3, backoffBaseMs: 1000, backoffMaxMs: 60_000,
    });
    const result = await slackOnly.drain();
    expect(result.remaining).toBe(0);
    expect(result.unroutable.map((u) => u.channel).sort()).toEqual(['email', 'pagerduty', 'telegram', 'webhook']);
    expect(s.pagerduty.requests).toHaveLength(0);
    await s.service.worker.drain();
    expect(s.pagerduty.delivered()).toHaveLength(1);
    expect(s.slack.delivered()).toHaveLength(1);
  });
});

describe('the service as the engine runs it', () => {
  it('start(): the background worker delivers what evaluate() queues, and stop() ends it', async () => {
    const slack = await new Recorder().start();
    const dir = tempDir();
    const db = openOpsDb(dir);
    const config = { ...testConfig({ alerts: { channels: { slack: { webhookUrl: `${slack.url}/services/T/B/live` } }, for: { 'data-stale': '0s' }, groupWait: '0s' } }), dataDir: dir };
    const service = new AlertService({ db, config, env: {}, runs: () => [], daemonFacts: () => null });
    try {
      service.start();
      const now = Date.now();
      service.evaluate(snapshot({ at: now, ages: { '4h': 30 * HOUR } }), now);
      await vi.waitFor(() => expect(slack.delivered()).toHaveLength(1), { timeout: 20_000, interval: 20 });
      await vi.waitFor(() => expect(service.outbox.stats()[0]).toMatchObject({ pending: 0 }), { timeout: 20_000, interval: 20 });
      service.evaluate(snapshot({ at: now + 1000 }), now + 1000);
      await vi.waitFor(() => expect(slack.delivered()).toHaveLength(2), { timeout: 20_000, interval: 20 });
      expect(String(slack.delivered()[1]!.body.text)).toContain('RESOLVED data-stale');
    } finally {
      await service.stop();
      db.close();
      await slack.stop();
    }
  });
});
