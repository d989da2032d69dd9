import type { RateLimit } from '../rate-limit.js';
import type { ChannelName, Notification } from '../types.js';

export type SendResult =
  | { ok: true }
  | {
    ok: false;
    /** Safe to log and store: secrets scrubbed, no URL. */
    error: string;
    /** The channel asked to wait this long (429 Retry-After, Telegram's retry_after). */
    retryAfterMs?: number;
  };

/**
 * One notification channel. The worker decides when and what to send (limits, grouping,
 * retries); a channel only knows how to say it and how its service answers.
 */
export interface Channel {
  readonly name: ChannelName;
  /** The service's published limits, kept by the worker. */
  readonly limits: readonly RateLimit[];
  /** False for PagerDuty: one event per dedup_key, never merged. */
  readonly groups: boolean;
  /** How many of the first queued notifications go into one message. */
  batchSize(queue: readonly Notification[]): number;
  send(batch: readonly Notification[]): Promise<SendResult>;
  /** Values that must never be shown: scrubbed from every error. */
  readonly secrets: readonly string[];
  /** Settings for people, secrets masked. */
  describe(): Record<string, string>;
}
