import ms from 'ms';
import { z } from 'zod';
import { duration } from '../duration.js';
import { CHANNEL_NAMES, RULE_IDS, type ChannelName, type RuleId } from '../names.js';

/**
 * Alerting: channels, routes by severity, rule thresholds and `for` durations, and the
 * Prometheus endpoint (owned by src/alerts and src/metrics).
 *
 * Secrets (the Slack webhook URL, the Telegram bot token, the PagerDuty routing key, the SMTP
 * password, the generic webhook URL) may be left out of the file and given in the environment
 * instead; the environment wins over the file (see src/alerts/channels/resolve.ts for the names).
 * That is why they are optional here: a channel missing one is reported as incomplete at runtime.
 */

export { CHANNEL_NAMES, RULE_IDS, type ChannelName, type RuleId } from '../names.js';

export const SEVERITIES = ['critical', 'warning', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

const httpUrl = (example: string) => z.url({
  protocol: /^https?$/,
  message: `an http(s) URL is expected, e.g. ${example}`,
});

const channelName = z.enum(CHANNEL_NAMES, { message: `a channel is one of ${CHANNEL_NAMES.join(', ')}` });

/** Like `duration`, but 0 is allowed ("0s": fire at once) and so are milliseconds ("250ms"). */
export const durationOrZero = z.string().refine((v) => {
  const parsed = ms(v as ms.StringValue);
  return typeof parsed === 'number' && parsed >= 0;
}, { message: 'a duration is a number with a unit, e.g. 0s, 250ms, 45s, 30m, 2h' });

const slack = z.object({
  /** https://hooks.slack.com/services/...; or CFA_SLACK_WEBHOOK_URL. */
  webhookUrl: httpUrl('https://hooks.slack.com/services/T000/B000/XXXX').optional(),
}).strict();

const telegram = z.object({
  /** Or CFA_TELEGRAM_BOT_TOKEN. */
  botToken: z.string().min(1).optional(),
  /** A user, group ("-100123...") or channel ("@name"); or CFA_TELEGRAM_CHAT_ID. */
  chatId: z.union([z.string().min(1), z.int()]).transform(String).optional(),
  /** Overridable so tests (and proxies) can stand in for the Bot API. */
  apiUrl: httpUrl('https://api.telegram.org').default('https://api.telegram.org'),
}).strict();

const pagerduty = z.object({
  /** The Events API v2 integration key; or CFA_PAGERDUTY_ROUTING_KEY. */
  routingKey: z.string().min(1).optional(),
  url: httpUrl('https://events.pagerduty.com/v2/enqueue').default('https://events.pagerduty.com/v2/enqueue'),
}).strict();

const email = z.object({
  host: z.string().min(1),
  port: z.int().min(1).max(65_535).default(587),
  /** True for implicit TLS (usually port 465); false upgrades with STARTTLS when offered. */
  secure: z.boolean().default(false),
  user: z.string().min(1).optional(),
  /** Or CFA_SMTP_PASSWORD. */
  password: z.string().min(1).optional(),
  from: z.string().min(3),
  to: z.array(z.email({ message: 'an email address is expected, e.g. ops@example.com' })).min(1),
}).strict();

const webhook = z.object({
  /** Receives a JSON POST per message; or CFA_ALERT_WEBHOOK_URL. */
  url: httpUrl('https://example.com/hooks/cfa').optional(),
  headers: z.record(z.string(), z.string()).default({}),
}).strict();

/**
 * Defaults: the original design's PagerDuty for critical only, Slack and email for everything;
 * Telegram and the generic webhook also get everything, so configuring one is enough to hear
 * from it. A channel that is not configured is left out at runtime, not refused here.
 */
export const DEFAULT_ROUTES: Record<Severity, ChannelName[]> = {
  critical: ['pagerduty', 'slack', 'telegram', 'email', 'webhook'],
  warning: ['slack', 'telegram', 'email', 'webhook'],
  info: ['slack', 'telegram', 'email', 'webhook'],
};

const route = (severity: Severity) => z.array(channelName).default([...DEFAULT_ROUTES[severity]]);

const staleEarly = z.object({
  '15m': duration.optional(),
  '1h': duration.optional(),
  '4h': duration.optional(),
  '1d': duration.optional(),
}).catchall(duration);

/** Unset figures fall back to the health and daemon sections, so one limit is tuned in one place. */
const thresholds = z.object({
  /** A sync running (or that ran) longer than this is a timeout (critical). */
  syncTimeout: duration.default('30m'),
  /** Any series whose newest candle is older than this is stale (critical). */
  dataStaleMax: duration.default('26h'),
  /** Per interval, the early warning; default: `health.freshness`. */
  staleEarly: staleEarly.prefault({}),
  /** More than this many 429s within `rateLimitWindow` is rate-limit abuse. */
  rateLimitHits: z.int().min(0).default(10),
  rateLimitWindow: duration.default('5m'),
  backupMaxAge: duration.default('26h'),
  /** This many missing symbols (in any interval) or more is a warning. */
  missingSymbols: z.int().min(1).default(1),
  /** Default: `daemon.heartbeatTimeout`. */
  heartbeatStale: duration.optional(),
  /** Default: `daemon.cpuLimitPercent`. */
  daemonCpuPercent: z.number().min(1).max(10_000).optional(),
  /** Default: `daemon.rssLimitMb`. */
  daemonRssMb: z.int().min(1).optional(),
}).strict();

/** How long a condition must hold before its alert fires; unset rules keep their defaults. */
const forDurations = z.object(
  Object.fromEntries(RULE_IDS.map((id) => [id, durationOrZero.optional()])) as Record<RuleId, z.ZodOptional<typeof durationOrZero>>,
).strict();

export const alertsSection = z.object({
  channels: z.object({
    slack: slack.optional(),
    telegram: telegram.optional(),
    pagerduty: pagerduty.optional(),
    email: email.optional(),
    webhook: webhook.optional(),
  }).strict().prefault({}),
  routes: z.object({
    critical: route('critical'),
    warning: route('warning'),
    info: route('info'),
  }).strict().prefault({}),
  /** Where the daily digest goes; default: the info route. PagerDuty never gets a digest. */
  digestChannels: z.array(channelName).optional(),
  /** Still-firing critical alerts that nobody acknowledged are sent again this often. */
  repeatCritical: duration.default('4h'),
  /** A storm is gathered for this long and sent as one message per channel (PagerDuty excepted). */
  groupWait: durationOrZero.default('5s'),
  delivery: z.object({
    /** Failed sends are retried with exponential backoff up to `backoffMax`, this many times. */
    maxAttempts: z.int().min(1).default(20),
    backoffBase: duration.default('1s'),
    backoffMax: duration.default('5m'),
    requestTimeout: duration.default('10s'),
  }).strict().prefault({}),
  thresholds: thresholds.prefault({}),
  for: forDurations.prefault({}),
  /** Names this installation in messages and PagerDuty's `source`; default: the host name. */
  instance: z.string().min(1).optional(),
  metrics: z.object({
    enabled: z.boolean().default(false),
    /** Loopback by default: put a proxy in front to expose it. */
    host: z.string().min(1).default('127.0.0.1'),
    port: z.int().min(0).max(65_535).default(9477),
  }).strict().prefault({}),
}).strict();

export type AlertsConfig = z.infer<typeof alertsSection>;
