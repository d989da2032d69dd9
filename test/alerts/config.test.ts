import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createChannels, resolveChannelSettings, routeFor } from '../../src/alerts/channels/resolve.js';
import { ConfigError } from '../../src/config/config-error.js';
import { loadConfig } from '../../src/config/load-config.js';
import { configSchema } from '../../src/config/schema.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp-dir.js';

function configFile(content: unknown): string {
  const file = path.join(tempDir(), 'cfa.json');
  fs.writeFileSync(file, JSON.stringify(content));
  return file;
}

function refusal(content: unknown): string {
  try {
    loadConfig({ configPath: configFile(content) }, {});
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('the configuration was accepted');
}

describe('alerts configuration', () => {
  it('defaults: routes by severity, repeat every 4 h, metrics on loopback and off', () => {
    const { alerts } = configSchema.parse({});
    expect(alerts.routes.critical).toEqual(['pagerduty', 'slack', 'telegram', 'email', 'webhook']);
    expect(alerts.routes.warning).not.toContain('pagerduty');
    expect(alerts.routes.info).not.toContain('pagerduty');
    expect(alerts.repeatCritical).toBe('4h');
    expect(alerts.thresholds).toMatchObject({ syncTimeout: '30m', dataStaleMax: '26h', rateLimitHits: 10, rateLimitWindow: '5m', backupMaxAge: '26h' });
    expect(alerts.metrics).toEqual({ enabled: false, host: '127.0.0.1', port: 9477 });
    expect(configSchema.parse({ alerts: { channels: { pagerduty: { routingKey: 'k' } } } }).alerts.channels.pagerduty!.url).toBe('https://events.pagerduty.com/v2/enqueue');
    expect(configSchema.parse({ alerts: { channels: { telegram: { botToken: 't', chatId: -100 } } } }).alerts.channels.telegram).toEqual({ botToken: 't', chatId: '-100', apiUrl: 'https://api.telegram.org' });
  });

  it('only configured channels are routed to', () => {
    const { alerts } = configSchema.parse({ alerts: { channels: { slack: { webhookUrl: 'https://hooks.slack.com/services/T/B/X' } } } });
    const { channels } = createChannels(alerts, {});
    expect(routeFor(alerts, channels, 'critical')).toEqual(['slack']);
    expect(routeFor(alerts, channels, 'info')).toEqual(['slack']);
  });

  it('refuses a malformed webhook URL, naming the key', () => {
    // The key is named; the value is a secret and only its last characters are shown.
    const slack = refusal({ alerts: { channels: { slack: { webhookUrl: 'not a url' } } } });
    expect(slack).toMatch(/alerts\.channels\.slack\.webhookUrl = "•+ url": an http\(s\) URL is expected/);
    expect(slack).not.toContain('not a url');
    expect(refusal({ alerts: { channels: { webhook: { url: 'ftp://example.com/x' } } } })).toMatch(/alerts\.channels\.webhook\.url = /);
    expect(refusal({ alerts: { channels: { telegram: { botToken: 't', chatId: '1', apiUrl: 'api.telegram.org' } } } })).toMatch(/alerts\.channels\.telegram\.apiUrl/);
  });

  it('refuses an unknown channel in a route, an unknown channel, rule or key, naming them', () => {
    expect(refusal({ alerts: { routes: { critical: ['slack', 'sms'] } } })).toMatch(/alerts\.routes\.critical\.1 = "sms": a channel is one of slack, telegram, pagerduty, email, webhook/);
    expect(refusal({ alerts: { routes: { urgent: ['slack'] } } })).toMatch(/alerts\.routes: unknown key urgent/);
    expect(refusal({ alerts: { channels: { discord: {} } } })).toMatch(/alerts\.channels: unknown key discord/);
    expect(refusal({ alerts: { for: { 'data-stael': '5m' } } })).toMatch(/alerts\.for: unknown key data-stael/);
    expect(refusal({ alerts: { for: { 'data-stale': 'soon' } } })).toMatch(/alerts\.for\.data-stale = "soon"/);
    expect(refusal({ alerts: { channels: { email: { host: 'smtp', from: 'a@b.c', to: ['nobody'] } } } })).toMatch(/alerts\.channels\.email\.to\.0 = "nobody"/);
  });

  it('`config validate` exits 2 naming the key', async () => {
    const bad = await runCli(['config', 'validate', configFile({ alerts: { channels: { slack: { webhookUrl: 'hooks.slack.com/services/x' } } } })]);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('alerts.channels.slack.webhookUrl');
    const route = await runCli(['config', 'validate', configFile({ alerts: { routes: { warning: ['pager'] } } })]);
    expect(route.exitCode).toBe(2);
    expect(route.stderr).toContain('alerts.routes.warning.0');
    const good = await runCli(['config', 'validate', configFile({ alerts: { channels: { slack: { webhookUrl: 'https://hooks.slack.com/services/x' } }, routes: { info: [] } } })]);
    expect(good.exitCode, good.stderr).toBe(0);
  });

  it('secrets from the environment win over the file; a channel may be configured by them alone', () => {
    const { alerts } = configSchema.parse({ alerts: { channels: { slack: { webhookUrl: 'https://hooks.slack.com/services/file' }, telegram: { chatId: '42' }, email: { host: 'smtp', user: 'cfa', from: 'a@b.c', to: ['ops@example.com'] } } } });
    const env = {
      CFA_SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/env',
      CFA_TELEGRAM_BOT_TOKEN: '1:tok',
      CFA_PAGERDUTY_ROUTING_KEY: 'rk',
      CFA_SMTP_PASSWORD: 'pw',
    };
    const { settings, incomplete } = resolveChannelSettings(alerts, env);
    expect(settings.slack!.webhookUrl).toBe('https://hooks.slack.com/services/env');
    expect(settings.telegram).toEqual({ botToken: '1:tok', chatId: '42', apiUrl: 'https://api.telegram.org' });
    expect(settings.pagerduty).toEqual({ routingKey: 'rk', url: 'https://events.pagerduty.com/v2/enqueue' });
    expect(settings.email!.password).toBe('pw');
    expect(incomplete).toEqual([]);

    // Without the environment: Telegram lacks its token, email its password.
    const bare = resolveChannelSettings(alerts, {});
    expect(bare.incomplete.map((i) => i.channel)).toEqual(['telegram', 'email']);
    expect(bare.incomplete[0]!.missing[0]).toContain('CFA_TELEGRAM_BOT_TOKEN');
  });

  it('a malformed URL in the environment is refused by its variable, without its value', () => {
    const { alerts } = configSchema.parse({});
    let message = '';
    try {
      resolveChannelSettings(alerts, { CFA_SLACK_WEBHOOK_URL: 'hooks.slack.com/services/T/B/very-secret' });
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      message = (error as Error).message;
    }
    expect(message).toContain('CFA_SLACK_WEBHOOK_URL is not an http(s) URL');
    expect(message).not.toContain('very-secret');
  });
});
