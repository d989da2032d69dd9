import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** A recorded request of a stand-in: its path and query (secrets included: tests only). */
export interface StandInRequest {
  path: string;
  query: Record<string, string>;
}

export interface StandInAnswer {
  status: number;
  body: unknown;
  headers?: Record<string, string | number>;
}

export interface StandInServer {
  readonly url: string;
  readonly requests: StandInRequest[];
  close(): Promise<void>;
}

/** A JSON server on 127.0.0.1 for the stand-ins of third-party APIs (FRED, Fear & Greed). */
export async function startStandIn(handle: (req: StandInRequest) => StandInAnswer, port = 0): Promise<StandInServer> {
  const requests: StandInRequest[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const recorded: StandInRequest = { path: url.pathname, query: Object.fromEntries(url.searchParams) };
    requests.push(recorded);
    let answer: StandInAnswer;
    try {
      answer = handle(recorded);
    } catch (error) {
      answer = { status: 500, body: { error: (error as Error).message } };
    }
    const body = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
    res.writeHead(answer.status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), ...answer.headers });
    res.end(body);
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host: '127.0.0.1' }, () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('stand-in did not get a TCP port');
  return {
    url: `http://127.0.0.1:${address.port}`,
    requests,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
      for (const s of sockets) s.destroy();
    }),
  };
}
