/**
 * The closed lists of names the config sections validate against, without the schemas: the CLI's
 * command declarations name them in `--help` and check arguments against them, and declaring a
 * command must not load zod (the sections re-export these).
 */

export const CHANNEL_NAMES = ['slack', 'telegram', 'pagerduty', 'email', 'webhook'] as const;
export type ChannelName = (typeof CHANNEL_NAMES)[number];

/** Every built-in rule; `alerts.for.<rule>` and `alerts silence <rule>` accept exactly these. */
export const RULE_IDS = [
  'sync-failed', 'sync-timeout', 'data-stale', 'db-corruption',
  'data-stale-early', 'rate-limit-abuse', 'backup-stale', 'replication-lag', 'missing-symbols', 'sentiment-stale',
  'disk-low', 'script-errors',
  'daemon-dead', 'daemon-heartbeat-stale', 'daemon-cpu-high', 'daemon-rss-high', 'daemon-crash-loop',
] as const;
export type RuleId = (typeof RULE_IDS)[number];

/** The sources of the `sentiment` job (src/sentiment). */
export const SENTIMENT_SOURCES = ['binance', 'fng', 'fred'] as const;
export type SentimentSource = (typeof SENTIMENT_SOURCES)[number];
