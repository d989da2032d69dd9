import { ConfigError } from '../../config/config-error.js';
import { durationMs } from '../../config/duration.js';
import { CHANNEL_NAMES, type AlertsConfig, type ChannelName, type Severity } from '../../config/sections/alerts.js';
import type { Channel } from './channel.js';
import { emailChannel, type EmailSettings } from './email.js';
import { pagerDutyChannel, type PagerDutySettings } from './pagerduty.js';
import { slackChannel, type SlackSettings } from './slack.js';
import { telegramChannel, type TelegramSettings } from './telegram.js';
import { webhookChannel, type WebhookSettings } from './webhook.js';
import { SECRET_ENV } from './secret-env.js';

export { SECRET_ENV };

export interface ChannelSettings {
  slack?: SlackSettings;
  telegram?: TelegramSettings;
  pagerduty?: PagerDutySettings;
  email?: EmailSettings;
  webhook?: WebhookSettings;
}

export interface ResolvedChannelSettings {
  settings: ChannelSettings;
  /** Channels present in the file but missing something (usually a secret expected from env). */
  incomplete: { channel: ChannelName; missing: string[] }[];
}

function envValue(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

/** Checks a URL from the environment without ever quoting it: it is a secret. */
function envUrl(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const v = envValue(env, name);
  if (v === undefined) return undefined;
  let ok = false;
  try {
    ok = /^https?:$/.test(new URL(v).protocol);
  } catch {
    ok = false;
  }
  if (!ok) throw new ConfigError(`${name} is not an http(s) URL (its value is not shown: it is a secret)`);
  return v;
}

export function resolveChannelSettings(alerts: AlertsConfig, env: NodeJS.ProcessEnv = process.env): ResolvedChannelSettings {
  const c = alerts.channels;
  const settings: ChannelSettings = {};
  const incomplete: ResolvedChannelSettings['incomplete'] = [];

  const slackUrl = envUrl(env, SECRET_ENV.slackWebhookUrl) ?? c.slack?.webhookUrl;
  if (slackUrl) settings.slack = { webhookUrl: slackUrl };
  else if (c.slack) incomplete.push({ channel: 'slack', missing: [`webhookUrl (or ${SECRET_ENV.slackWebhookUrl})`] });

  const botToken = envValue(env, SECRET_ENV.telegramBotToken) ?? c.telegram?.botToken;
  const chatId = envValue(env, SECRET_ENV.telegramChatId) ?? c.telegram?.chatId;
  if (botToken && chatId) settings.telegram = { botToken, chatId, apiUrl: c.telegram?.apiUrl ?? 'https://api.telegram.org' };
  else if (c.telegram || botToken || chatId) {
    incomplete.push({ channel: 'telegram', missing: [
      ...(botToken ? [] : [`botToken (or ${SECRET_ENV.telegramBotToken})`]),
      ...(chatId ? [] : [`chatId (or ${SECRET_ENV.telegramChatId})`]),
    ] });
  }

  const routingKey = envValue(env, SECRET_ENV.pagerdutyRoutingKey) ?? c.pagerduty?.routingKey;
  if (routingKey) settings.pagerduty = { routingKey, url: c.pagerduty?.url ?? 'https://events.pagerduty.com/v2/enqueue' };
  else if (c.pagerduty) incomplete.push({ channel: 'pagerduty', missing: [`routingKey (or ${SECRET_ENV.pagerdutyRoutingKey})`] });

  if (c.email) {
    const password = envValue(env, SECRET_ENV.smtpPassword) ?? c.email.password;
    if (c.email.user && !password) incomplete.push({ channel: 'email', missing: [`password (or ${SECRET_ENV.smtpPassword})`] });
    else settings.email = { ...c.email, password };
  }

  const hookUrl = envUrl(env, SECRET_ENV.webhookUrl) ?? c.webhook?.url;
  if (hookUrl) settings.webhook = { url: hookUrl, headers: c.webhook?.headers ?? {} };
  else if (c.webhook) incomplete.push({ channel: 'webhook', missing: [`url (or ${SECRET_ENV.webhookUrl})`] });

  return { settings, incomplete };
}

export type Channels = Map<ChannelName, Channel>;

/** The configured channels, in the order of CHANNEL_NAMES. */
export function createChannels(alerts: AlertsConfig, env: NodeJS.ProcessEnv = process.env): { channels: Channels; incomplete: ResolvedChannelSettings['incomplete'] } {
  const { settings, incomplete } = resolveChannelSettings(alerts, env);
  const timeoutMs = durationMs(alerts.delivery.requestTimeout);
  const channels: Channels = new Map();
  for (const name of CHANNEL_NAMES) {
    switch (name) {
      case 'slack': if (settings.slack) channels.set(name, slackChannel(settings.slack, { timeoutMs })); break;
      case 'telegram': if (settings.telegram) channels.set(name, telegramChannel(settings.telegram, { timeoutMs })); break;
      case 'pagerduty': if (settings.pagerduty) channels.set(name, pagerDutyChannel(settings.pagerduty, { timeoutMs })); break;
      case 'email': if (settings.email) channels.set(name, emailChannel(settings.email, { timeoutMs })); break;
      case 'webhook': if (settings.webhook) channels.set(name, webhookChannel(settings.webhook, { timeoutMs })); break;
    }
  }
  return { channels, incomplete };
}

/** The route of a severity, narrowed to the channels that are configured. */
export function routeFor(alerts: AlertsConfig, channels: Channels, severity: Severity): ChannelName[] {
  return alerts.routes[severity].filter((c, i, all) => channels.has(c) && all.indexOf(c) === i);
}

/** Every secret of every configured channel: what logs and outputs are scrubbed of. */
export function allSecrets(channels: Channels): string[] {
  return [...channels.values()].flatMap((c) => c.secrets);
}
