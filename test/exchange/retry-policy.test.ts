import { describe, expect, it } from 'vitest';
import {
  DEFAULT_RETRY_POLICY,
  faultKindOfStatus,
  nextRetryDelay,
  parseBanUntil,
  retryKindOf,
  type RetryPolicy,
} from '../../src/exchange/retry-policy.js';

const P = DEFAULT_RETRY_POLICY;

describe('nextRetryDelay', () => {
  it('retries transport faults 3 times after 1 s, 2 s, 4 s', () => {
    expect([1, 2, 3, 4].map((n) => nextRetryDelay(P, 'transport', n))).toEqual([1000, 2000, 4000, null]);
  });

  it('retries 5xx twice after 2 s, 4 s', () => {
    expect([1, 2, 3].map((n) => nextRetryDelay(P, 'server', n))).toEqual([2000, 4000, null]);
  });

  it('waits 60 s plus up to 30 s of jitter on a 429 without Retry-After, twice', () => {
    expect(nextRetryDelay(P, 'rateLimit', 1, undefined, () => 0)).toBe(60_000);
    expect(nextRetryDelay(P, 'rateLimit', 2, undefined, () => 0.5)).toBe(75_000);
    expect(nextRetryDelay(P, 'rateLimit', 2, undefined, () => 0.999)).toBeLessThan(90_000);
    expect(nextRetryDelay(P, 'rateLimit', 3, undefined, () => 0)).toBeNull();
  });

  it("lets the server's Retry-After win over the policy delay", () => {
    expect(nextRetryDelay(P, 'rateLimit', 1, 5_000, () => 0.9)).toBe(5_000);
    expect(nextRetryDelay(P, 'rateLimit', 1, 0)).toBe(0);
    expect(nextRetryDelay(P, 'rateLimit', 1, -20)).toBe(0);
  });

  it('retries a 418 ban when it ends, spending the rate-limit budget', () => {
    expect(retryKindOf('ban')).toBe('rateLimit');
    expect(nextRetryDelay(P, 'ban', 1, 120_000)).toBe(120_000);
    expect(nextRetryDelay(P, 'ban', 3, 120_000)).toBeNull();
  });

  it('never retries client errors or bad data', () => {
    expect(nextRetryDelay(P, 'client', 1)).toBeNull();
    expect(nextRetryDelay(P, 'badData', 1)).toBeNull();
    expect(retryKindOf('client')).toBeNull();
    expect(retryKindOf('badData')).toBeNull();
  });

  it('gives up on a nonsensical attempt number', () => {
    expect(nextRetryDelay(P, 'transport', 0)).toBeNull();
  });

  it('repeats the last delay when a policy has more retries than delays, and honours shrunk delays', () => {
    const policy: RetryPolicy = { transport: { retries: 4, delaysMs: [1, 3] }, rateLimit: { retries: 0, delayMs: 1, jitterMs: 0 }, server: { retries: 1, delaysMs: [] } };
    expect([1, 2, 3, 4, 5].map((n) => nextRetryDelay(policy, 'transport', n))).toEqual([1, 3, 3, 3, null]);
    expect(nextRetryDelay(policy, 'rateLimit', 1, 10)).toBeNull();
    expect(nextRetryDelay(policy, 'server', 1)).toBe(0);
  });
});

describe('faultKindOfStatus', () => {
  it.each([
    [200, null], [204, null], [429, 'rateLimit'], [418, 'ban'], [500, 'server'], [502, 'server'],
    [503, 'server'], [400, 'client'], [404, 'client'], [301, 'client'],
  ] as const)('%i -> %s', (status, kind) => {
    expect(faultKindOfStatus(status)).toBe(kind);
  });
});

describe('parseBanUntil', () => {
  it("reads Binance's 418 message", () => {
    expect(parseBanUntil('Way too many requests; IP(1.2.3.4) banned until 1767268800000. Please use the websocket for live updates to avoid bans.')).toBe(1767268800000);
  });
  it('takes a 10-digit time as seconds', () => {
    expect(parseBanUntil('IP banned until 1767268800')).toBe(1767268800000);
  });
  it('is undefined without a time', () => {
    expect(parseBanUntil('Too many requests')).toBeUndefined();
    expect(parseBanUntil(undefined)).toBeUndefined();
  });
});
