/**
 * A tiny stand-in for the exchange's HTTP boundary: it records every request with its arrival
 * time and answers each from the test's script (queued answers first, then an optional script
 * function, then well-formed defaults). Used to test the client's retry and pacing behaviour
 * without the simulator.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { INTERVAL_MS, isInterval } from '../../src/exchange/intervals.js';

export interface RecordedRequest {
  /** 0 for the first request the server saw. */
  seq: number;
  /** Date.now() when the request arrived. */
  at: number;
  method: string;
  path: string;
  query: Record<string, string>;
  /** The answer's type, and Date.now() just before it was written (undefined while unanswered). */
  answer?: Answer['type'];
  answeredAt?: number;
}

export type Answer =
  | { type: 'json'; status?: number; body: unknown; headers?: Record<string, string> }
  /** A body sent as is, with a correct Content-Length: truncated or garbled JSON, HTML, … */
  | { type: 'text'; status?: number; text: string; headers?: Record<string, string> }
  /** The connection is destroyed before any answer (the client sees a reset / socket hang up). */
  | { type: 'reset' }
  /** Headers promising `full`, the first half of it, then the connection is destroyed. */
  | { type: 'cut'; full: string }
  /** The request is read and never answered. */
  | { type: 'stall' }
  /** Headers and the first half of `full`, then silence. */
  | { type: 'stallBody'; full: string };

export type Script = (req: RecordedRequest) => Answer | undefined;

export const answer = {
  json(body: unknown, headers?: Record<string, string>, status = 200): Answer {
    return { type: 'json', status, body, ...(headers ? { headers } : {}) };
  },
  text(text: string, status = 200, headers?: Record<string, string>): Answer {
    return { type: 'text', status, text, ...(headers ? { headers } : {}) };
  },
  tooManyRequests(retryAfterSeconds?: number | string): Answer {
    return {
      type: 'json',
      status: 429,
      body: { code: -1003, msg: 'Too many requests; current limit of IP(127.0.0.1) is 2400 requests per minute.' },
      ...(retryAfterSeconds === undefined ? {} : { headers: { 'Retry-After': String(retryAfterSeconds) } }),
    };
  },
  banned(untilMs: number): Answer {
    return {
      type: 'json',
      status: 418,
      body: { code: -1003, msg: `Way too many requests; IP(127.0.0.1) banned until ${untilMs}. Please use the websocket for live updates to avoid bans.` },
    };
  },
  serverError(status = 502): Answer {
    return { type: 'text', status, text: `<html><body>${status} from the gateway</body></html>`, headers: { 'Content-Type': 'text/html' } };
  },
  apiError(status: number, code: number, msg: string): Answer {
    return { type: 'json', status, body: { code, msg } };
  },
  invalidSymbol(): Answer {
    return answer.apiError(400, -1121, 'Invalid symbol.');
  },
  /** Valid framing, JSON cut in the middle of a row. */
  truncated(): Answer {
    return { type: 'text', text: '[[1700000000000,"1.0","2.0","0.5","1.5","10",17000035', headers: { 'Content-Type': 'application/json' } };
  },
  garbled(): Answer {
    return { type: 'text', text: '[[1700000000000,"1.0",}}garbage', headers: { 'Content-Type': 'application/json' } };
  },
  /** Valid JSON that is not kline rows. */
  badRows(): Answer {
    return answer.json([['not', 'a', 'kline']]);
  },
  reset(): Answer {
    return { type: 'reset' };
  },
  cut(): Answer {
    return { type: 'cut', full: JSON.stringify(syntheticRows(1_700_000_000_000, '1h', 50)) };
  },
  stall(): Answer {
    return { type: 'stall' };
  },
  stallBody(): Answer {
    return { type: 'stallBody', full: JSON.stringify(syntheticRows(1_700_000_000_000, '1h', 50)) };
  },
};

/** Well-formed 12-field rows on the interval's grid. */
export function syntheticRows(startTime: number, interval: string, count: number): unknown[][] {
  const step = isInterval(interval) ? INTERVAL_MS[interval] : 3_600_000;
  const first = Math.ceil(startTime / step) * step;
  return Array.from({ length: count }, (_, i) => {
    const t = first + i * step;
    return [t, '100.0', '101.5', '99.5', '100.5', '12.5', t + step - 1, '1250.0', 42, '6.0', '600.0', '0'];
  });
}

function defaultAnswer(req: RecordedRequest): Answer {
  switch (req.path) {
    case '/fapi/v1/time':
      return answer.json({ serverTime: Date.now() });
    case '/fapi/v1/exchangeInfo':
      return answer.json({
        timezone: 'UTC',
        serverTime: Date.now(),
        symbols: [
          { symbol: 'BTCUSDT', pair: 'BTCUSDT', status: 'TRADING', contractType: 'PERPETUAL', quoteAsset: 'USDT' },
          { symbol: 'ETHUSDT', pair: 'ETHUSDT', status: 'TRADING', contractType: 'PERPETUAL', quoteAsset: 'USDT' },
        ],
      });
    case '/fapi/v1/klines': {
      const limit = Math.min(Number(req.query.limit ?? 500), 1500);
      const start = Number(req.query.startTime ?? 1_700_000_000_000);
      return answer.json(syntheticRows(start, req.query.interval ?? '1h', limit));
    }
    default:
      return answer.apiError(404, -1000, `no such endpoint ${req.path}`);
  }
}

export interface RecordingExchange {
  /** Base URL, e.g. http://127.0.0.1:41234 */
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** Answers for the next requests, in arrival order. */
  enqueue(...answers: Answer[]): void;
  /** Answers any request the queue does not; return undefined for the default answer. */
  script(fn: Script | undefined): void;
  /** Requests to `path` (e.g. '/fapi/v1/klines'). */
  requestsTo(path: string): RecordedRequest[];
  close(): Promise<void>;
}

export async function startRecordingExchange(script?: Script): Promise<RecordingExchange> {
  const requests: RecordedRequest[] = [];
  const queue: Answer[] = [];
  let scriptFn = script;
  const sockets = new Set<Socket>();

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const recorded: RecordedRequest = {
      seq: requests.length,
      at: Date.now(),
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
    };
    requests.push(recorded);
    const reply = queue.shift() ?? scriptFn?.(recorded) ?? defaultAnswer(recorded);
    recorded.answer = reply.type;
    recorded.answeredAt = Date.now();
    switch (reply.type) {
      case 'json':
      case 'text': {
        const text = reply.type === 'json' ? JSON.stringify(reply.body) : reply.text;
        res.writeHead(reply.status ?? 200, {
          'Content-Type': 'application/json',
          'Content-Length': Buffer.byteLength(text),
          ...reply.headers,
        });
        res.end(text);
        return;
      }
      case 'reset':
        req.socket.destroy();
        return;
      case 'cut':
      case 'stallBody': {
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(reply.full) });
        res.write(reply.full.slice(0, Math.floor(reply.full.length / 2)));
        if (reply.type === 'cut') setImmediate(() => req.socket.destroy());
        return;
      }
      case 'stall':
        return;
    }
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    enqueue: (...answers) => {
      queue.push(...answers);
    },
    script: (fn) => {
      scriptFn = fn;
    },
    requestsTo: (path) => requests.filter((r) => r.path === path),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A loopback port with nothing listening on it. */
export async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
