import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface MetricsServerOptions {
  registry: Registry;
  /** 127.0.0.1 by default (config `alerts.metrics.host`): exposing it is a proxy's job. */
  host: string;
  /** 0 picks a free port (tests). */
  port: number;
  /** `/readyz`: true while this process leads and its stores are open. */
  isReady: () => boolean | Promise<boolean>;
  /** Called before each scrape, to refresh figures that are cheap to read (optional). */
  beforeScrape?: () => void | Promise<void>;
}

export interface MetricsServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * `/metrics` (Prometheus text format), `/healthz` (the process answers: alive) and `/readyz`
 * (leader with its stores open: 200, else 503). Only GET and HEAD; anything else is 404/405.
 */
export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  const server = http.createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(`error: ${(error as Error).message}\n`);
    });
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/metrics') {
      await options.beforeScrape?.();
      const body = await options.registry.metrics();
      res.writeHead(200, { 'content-type': options.registry.contentType }).end(req.method === 'HEAD' ? undefined : body);
      return;
    }
    if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end('ok\n');
      return;
    }
    if (path === '/readyz') {
      const ready = await options.isReady();
      res.writeHead(ready ? 200 : 503, { 'content-type': 'text/plain; charset=utf-8' }).end(ready ? 'ready\n' : 'not ready: not the leader, or the stores are not open\n');
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found: try /metrics, /healthz or /readyz\n');
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
