import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, writeTestConfig } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp-dir.js';
import { HOUR, MailCatcher, Recorder, snapshot } from './helpers.js';

const servers: { stop(): Promise<void> }[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.stop();
});

async function setup(alerts: Record<string, unknown> = {}) {
  const slack = await new Recorder().start();
  const pagerduty = await new Recorder(Date.now, { status: 202, body: { status: 'success' } }).start();
  servers.push(slack, pagerduty);
  const dir = tempDir();
  const config = writeTestConfig(dir, {
    symbols: ['BTCUSDT', 'ETHUSDT', 'SOLUSDT'],
    alerts: {
      channels: { slack: { webhookUrl: `${slack.url}/services/T/B/cli` }, pagerduty: { routingKey: 'cli-test-key', url: `${pagerduty.url}/v2/enqueue` } },
      for: { 'data-stale': '0s', 'missing-symbols': '0s' },
      groupWait: '0s',
      ...alerts,
    },
  });
  const write = (name: string, value: unknown) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, JSON.stringify(value));
    return file;
  };
  return { slack, pagerduty, dir, config, base: ['--data-dir', dir, '--config', config], write };
}

describe('cfa-console alerts', () => {
  it('lists, acknowledges and silences; bad ids and rules are usage errors', async () => {
    const { base, write } = await setup();
    const stale = write('stale.json', snapshot({ at: Date.now(), ages: { '4h': 30 * HOUR } }));
    const evaluated = await runCli([...base, 'alerts', 'evaluate', '--snapshot', stale, '--json']);
    expect(evaluated.exitCode, evaluated.stderr).toBe(0);
    const id = (evaluated.events[0]!.fired as number[])[0]!;

    const table = await runCli([...base, 'alerts']);
    expect(table.exitCode).toBe(0);
    expect(table.stdout).toMatch(new RegExp(`${id}\\s+✖ firing\\s+critical\\s+data-stale\\{interval="4h"\\}.*stale-data`));
    expect(table.stdout).toContain('Delivery queue');

    const ack = await runCli([...base, 'alerts', 'ack', String(id), '--by', 'alice']);
    expect(ack.exitCode, ack.stderr).toBe(0);
    expect(ack.stdout).toContain(`alert ${id} (data-stale{interval="4h"}) acknowledged by alice`);

    const silence = await runCli([...base, 'alerts', 'silence', 'missing-symbols', '--for', '2h', '--reason', 'listing new symbols', '--json']);
    expect(silence.exitCode, silence.stderr).toBe(0);
    expect(silence.events[0]).toMatchObject({ rule: 'missing-symbols', reason: 'listing new symbols' });
    expect((silence.events[0]!.until as number) - (silence.events[0]!.createdAt as number)).toBe(2 * HOUR);

    // A silenced rule fires but says nothing.
    const missing = write('missing.json', snapshot({ at: Date.now(), ages: { '4h': 30 * HOUR }, missing: { '1d': ['SOLUSDT'] } }));
    const quiet = await runCli([...base, 'alerts', 'evaluate', '--snapshot', missing, '--json']);
    expect(quiet.events[0]).toMatchObject({ enqueued: 0 });
    expect((quiet.events[0]!.silenced as number[]).length).toBe(1);

    const listed = JSON.parse((await runCli([...base, 'alerts', '--json'])).stdout) as { alerts: { id: number; ackedBy: string | null; state: string }[]; silences: { id: number }[] };
    expect(listed.alerts.find((a) => a.id === id)).toMatchObject({ state: 'firing', ackedBy: 'alice' });
    expect(listed.silences).toHaveLength(1);
    const unsilence = await runCli([...base, 'alerts', 'unsilence', String(listed.silences[0]!.id)]);
    expect(unsilence.exitCode, unsilence.stderr).toBe(0);

    for (const args of [['alerts', 'ack', '999'], ['alerts', 'ack', 'x'], ['alerts', 'silence', 'nope', '--for', '1h', '--reason', 'r'],
      ['alerts', 'silence', 'data-stale', '--for', 'later', '--reason', 'r'], ['alerts', 'silence', 'data-stale', '--for', '1h'],
      ['alerts', 'test', 'sms'], ['alerts', 'test', 'email'], ['alerts', 'evaluate', '--snapshot', path.join(path.dirname(stale), 'none.json')]]) {
      const out = await runCli([...base, ...args]);
      expect(out.exitCode, `${args.join(' ')}: ${out.stderr}`).toBe(2);
    }
  });

  it('`alerts test` sends one message and says whether it arrived; PagerDuty\'s is resolved at once', async () => {
    const { slack, pagerduty, base } = await setup();
    const ok = await runCli([...base, 'alerts', 'test', 'slack']);
    expect(ok.exitCode, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('✔ test message delivered to slack');
    expect(String(slack.requests[0]!.body.text)).toContain('can reach this channel');
    const pd = await runCli([...base, 'alerts', 'test', 'pagerduty', '--json']);
    expect(pd.events[0]).toMatchObject({ channel: 'pagerduty', delivered: true });
    expect(pagerduty.requests.map((r) => r.body.event_action)).toEqual(['trigger', 'resolve']);
    expect(pagerduty.requests[0]!.body.dedup_key).toBe(pagerduty.requests[1]!.body.dedup_key);
    slack.fallback = { status: 403, body: { error: 'invalid_token' } };
    const bad = await runCli([...base, 'alerts', 'test', 'slack']);
    expect(bad.exitCode).toBe(1);
    expect(bad.stdout).toContain('✖ slack: HTTP 403');
  });

  it('the daily digest job: registered at 04:00, one message per channel with alerts, jobs and freshness', async () => {
    const mail = await new MailCatcher().start();
    servers.push(mail);
    const { slack, pagerduty, base, write } = await setup({
      channels: {
        email: { host: '127.0.0.1', port: mail.port, from: 'cfa@example.com', to: ['ops@example.com'] },
      },
    });
    // Slack and PagerDuty are gone from this config's channels: re-add Slack by environment.
    const env = { CFA_SLACK_WEBHOOK_URL: `${slack.url}/services/T/B/env` };
    const jobs = JSON.parse((await runCli([...base, 'jobs', '--json'])).stdout) as { name: string; schedule: string }[];
    expect(jobs.find((j) => j.name === 'alert-digest')).toMatchObject({ schedule: '0 4 * * *' });

    await runCli([...base, 'alerts', 'evaluate', '--snapshot', write('stale.json', snapshot({ at: Date.now(), ages: { '4h': 30 * HOUR } }))], { env });
    const dry = await runCli([...base, 'alert-digest', '--dry-run']);
    expect(dry.exitCode, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/Daily digest for .* UTC: critical alerts firing/);
    expect(dry.stdout).toContain('Freshness (stalest series per interval):');
    // `evaluate` without --deliver only queues; the dry run sends nothing.
    expect(slack.requests).toHaveLength(0);

    const sent = await runCli([...base, 'alert-digest', '--json'], { env });
    expect(sent.exitCode, sent.stderr).toBe(0);
    // The digest's delivery also sends what was waiting (the firing alert) first, on its own.
    expect(sent.events.at(-1)).toMatchObject({ event: 'summary', channels: ['slack', 'email'], delivered: ['slack', 'email'], otherDelivered: 2 });
    expect(slack.requests).toHaveLength(2);
    expect(String(slack.requests[0]!.body.text)).toContain('[CRITICAL] FIRING data-stale{interval="4h"}');
    expect(String(slack.requests[1]!.body.text)).toContain('Daily digest');
    const digest = String(slack.requests.at(-1)!.body.text);
    expect(digest).toContain('Alerts: 1 fired in the last 24 h, 1 firing now.');
    expect(digest).toContain('[CRITICAL] data-stale{interval="4h"}');
    expect(digest).toContain('Jobs:');
    expect(mail.mails.at(-1)!.subject).toContain('Daily digest');
    expect(pagerduty.requests).toHaveLength(0);
  });

  it('`export prometheus-rules` writes the rules for the configured thresholds', async () => {
    const { base, dir } = await setup({ thresholds: { dataStaleMax: '30h' } });
    const out = path.join(dir, 'out', 'rules.yml');
    const written = await runCli([...base, 'export', 'prometheus-rules', '--output', out]);
    expect(written.exitCode, written.stderr).toBe(0);
    const yaml = fs.readFileSync(out, 'utf8');
    expect(yaml).toContain("expr: 'count by (interval) (cfa_series_age_seconds > 108000) > 0'");
    // `for: 0s` in the config: Prometheus fires at once when `for` is left out.
    const dataStale = yaml.slice(yaml.indexOf('alert: DataStale'), yaml.indexOf('alert: DbCorruption'));
    expect(dataStale).not.toContain('for:');
    expect(yaml).toMatch(/alert: DataStaleEarly\n.*\n\s+for: 10m/);
    const stdout = await runCli([...base, 'export', 'prometheus-rules']);
    expect(`${stdout.stdout}\n`).toBe(yaml);
  });
});
