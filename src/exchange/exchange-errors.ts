/**
 * What went wrong talking to the exchange, worded for the engineer on call: what happened, to
 * which request, after how many tries, and what to check. Each carries its fault `kind` so the
 * sync can decide whether to fail one symbol or the whole run.
 */
import type { FaultKind } from './retry-policy.js';

export abstract class ExchangeError extends Error {
  abstract readonly kind: FaultKind;
  /** The request that failed (full URL with query), or the base URL when none was made. */
  readonly url: string;
  /** Retries of this fault's kind spent before giving up. */
  readonly retries: number;

  constructor(message: string, url: string, retries: number, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.url = url;
    this.retries = retries;
  }
}

function afterRetries(retries: number): string {
  if (retries <= 0) return '';
  return ` (after ${retries} ${retries === 1 ? 'retry' : 'retries'})`;
}

/** No usable connection: refused, reset, DNS, or no answer within the request timeout. */
export class ExchangeUnreachableError extends ExchangeError {
  readonly kind = 'transport' as const;
  readonly baseUrl: string;
  readonly detail: string;

  constructor(args: { baseUrl: string; url: string; detail: string; retries: number; cause?: unknown }) {
    super(
      `cannot reach the exchange at ${args.baseUrl}: ${args.detail}${afterRetries(args.retries)}; ` +
        'check --exchange-url / CFA_EXCHANGE_URL and the network',
      args.url,
      args.retries,
      { cause: args.cause },
    );
    this.baseUrl = args.baseUrl;
    this.detail = args.detail;
  }
}

/** The exchange answered, but the body was cut off or is not JSON. */
export class BrokenResponseError extends ExchangeError {
  readonly kind = 'transport' as const;
  readonly detail: string;

  constructor(args: { url: string; detail: string; retries: number; cause?: unknown }) {
    super(
      `the exchange sent a broken answer to GET ${args.url}: ${args.detail}${afterRetries(args.retries)}; ` +
        'a proxy or an unstable connection may be cutting responses',
      args.url,
      args.retries,
      { cause: args.cause },
    );
    this.detail = args.detail;
  }
}

function apiAdvice(kind: FaultKind): string {
  switch (kind) {
    case 'server':
      return '; the exchange is having trouble, a later run will try again';
    case 'rateLimit':
      return '; this IP is over its request weight: lower the sync\'s weight budget or find what else uses the IP';
    default:
      return '';
  }
}

/** An HTTP error answer: status, and Binance's `{code, msg}` when the body had one. */
export class ExchangeApiError extends ExchangeError {
  readonly kind: FaultKind;
  readonly status: number;
  readonly code: number | undefined;
  readonly msg: string;

  constructor(args: { url: string; status: number; code?: number; msg: string; retries?: number; kind?: FaultKind; message?: string }) {
    const kind = args.kind ?? (args.status >= 500 ? 'server' : args.status === 429 ? 'rateLimit' : 'client');
    const retries = args.retries ?? 0;
    const what = kind === 'client' ? 'rejected' : kind === 'rateLimit' ? 'kept rate-limiting' : 'failed';
    const code = args.code === undefined ? '' : `, Binance code ${args.code}`;
    const msg = args.msg === '' ? '' : `: ${args.msg}`;
    super(
      args.message ?? `the exchange ${what} GET ${args.url}: HTTP ${args.status}${code}${msg}${afterRetries(retries)}${apiAdvice(kind)}`,
      args.url,
      retries,
    );
    this.kind = kind;
    this.status = args.status;
    this.code = args.code;
    this.msg = args.msg;
  }
}

export const INVALID_SYMBOL_CODE = -1121;

/** Binance -1121: the symbol is not listed. Fails that symbol only; never retried. */
export class InvalidSymbolError extends ExchangeApiError {
  readonly symbol: string;

  constructor(args: { url: string; status: number; symbol: string; msg: string }) {
    super({
      ...args,
      code: INVALID_SYMBOL_CODE,
      kind: 'client',
      message:
        `the exchange does not know symbol "${args.symbol}" (HTTP ${args.status}, Binance code ${INVALID_SYMBOL_CODE}: ${args.msg}); ` +
        'remove it from the configured symbols or check that exchangeInfo lists it',
    });
    this.symbol = args.symbol;
  }
}

/** HTTP 418: the IP is banned for ignoring 429s. Nothing may be sent until `until`. */
export class BannedError extends ExchangeError {
  readonly kind = 'ban' as const;
  readonly until: number;

  constructor(args: { url: string; until: number; msg: string; retries: number }) {
    super(
      `the exchange banned this IP until ${new Date(args.until).toISOString()} (HTTP 418: ${args.msg})${afterRetries(args.retries)}; ` +
        'this process sends nothing until then. Find what on this IP ignored the rate limits (the live trader shares it) ' +
        'before starting another sync, since requests during a ban make it longer',
      args.url,
      args.retries,
    );
    this.until = args.until;
  }
}

/** Valid JSON that is not what the endpoint returns (e.g. rows that are not klines). Never retried. */
export class BadDataError extends ExchangeError {
  readonly kind = 'badData' as const;
  readonly detail: string;

  constructor(args: { url: string; detail: string; cause?: unknown }) {
    super(
      `the exchange answered GET ${args.url} with data of the wrong shape: ${args.detail}; not retried. ` +
        'Check that --exchange-url points at a Binance USD-M futures API',
      args.url,
      0,
      { cause: args.cause },
    );
    this.detail = args.detail;
  }
}

/** The configured exchange URL cannot be used at all. */
export class ExchangeUrlError extends ExchangeError {
  readonly kind = 'client' as const;

  constructor(baseUrl: string, reason: string) {
    super(`the exchange URL "${baseUrl}" is not usable: ${reason}; check --exchange-url / CFA_EXCHANGE_URL`, baseUrl, 0);
  }
}
