import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/alerts/clock.js';
import { AlertService } from '../../src/alerts/service.js';
import { loadConfig } from '../../src/config/load-config.js';
import { createEngineLogger } from '../../src/engine/logger.js';
import { openOpsDb } from '../../src/store/ops-db.js';
import { runCli, writeTestConfig } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp-dir.js';
import { HOUR, Recorder, T0, snapshot } from './helpers.js';

/** Values that must never appear in a log line or on a terminal. */
const CANARY = {
  slack: 'CANARYslackPATH7781',
  telegram: '4242:CANARYtelegramTOKEN',
  pagerduty: 'CANARYpagerdutyKEY5521',
  smtp: 'CANARYsmtpPASSWORD',
  webhook: 'CANARYwebhookBEARER',
};
const ALL = Object.values(CANARY);

const servers: Recorder[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.stop();
});

/** A port nobody listens on: connections are refused (the error path of every HTTP library). */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function expectClean(text: string, where: string): void {
  for (const secret of ALL) expect(text.includes(secret), `${secret} appeared in ${where}`).toBe(false);
  // Not even the slack URL's secret path without its host.
  expect(text.includes('/services/T/B/'), `the slack path appeared in ${where}`).toBe(false);
}

async function setup() {
  // Slack answers errors that quote the request path back, as some proxies do.
  const slack = await new Recorder().start();
  slack.fallback = { status: 500, body: { error: 'internal', path: `/services/T/B/${CANARY.slack}` } };
  const pagerduty = await new Recorder(Date.now, { status: 400, body: { status: 'invalid event', message: `bad key ${CANARY.pagerduty}` } }).start();
  const webhook = await new Recorder().start();
  webhook.fallback = { status: 401, body: { error: `token Bearer ${CANARY.webhook} rejected` } };
  servers.push(slack, pagerduty, webhook);
  const dead = await closedPort();
  const dir = tempDir();
  const config = writeTestConfig(dir, {
    symbols: ['BTCUSDT', 'ETHUSDT', 'SOLUSDT'],
    alerts: {
      channels: {
        slack: { webhookUrl: `${slack.url}/services/T/B/${CANARY.slack}` },
        telegram: { botToken: CANARY.telegram, chatId: '-100123', apiUrl: `http://127.0.0.1:${dead}` },
        pagerduty: { routingKey: CANARY.pagerduty, url: `${pagerduty.url}/v2/enqueue` },
        email: { host: '127.0.0.1', port: dead, user: 'cfa', password: CANARY.smtp, from: 'cfa@example.com', to: ['ops@example.com'] },
        webhook: { url: `${webhook.url}/hook`, headers: { authorization: `Bearer ${CANARY.webhook}` } },
      },
      for: { 'data-stale': '0s' },
      groupWait: '0s',
      delivery: { maxAttempts: 2, backoffBase: '1s', backoffMax: '2s', requestTimeout: '2s' },
    },
  });
  return { dir, config, base: ['--data-dir', dir, '--config', config] };
}

describe('secrets', () => {
  it('never reach the engine log, the outbox errors or any CLI output', async () => {
    const { dir, config, base } = await setup();

    // Through the real logger: every channel fails (HTTP errors quoting secrets, refused connections).
    const loaded = loadConfig({ configPath: config, dataDir: dir }, {});
    const db = openOpsDb(dir);
    const logger = createEngineLogger(dir, { stdout: false, level: 'debug' });
    const clock = new ManualClock(T0);
    const service = new AlertService({ db, config: loaded.config, logger, clock, env: {}, runs: () => [], daemonFacts: () => null });
    service.evaluate(snapshot({ at: T0, ages: { '4h': 30 * HOUR } }), T0);
    const drained = await service.worker.drain({ maxWaitMs: 60_000 });
    expect(drained.givenUp).toBe(5);
    db.close();

    const log = fs.readFileSync(path.join(dir, 'logs', 'cfa-console.log'), 'utf8');
    expect(log).toContain('alert notification not delivered');
    expect(log).toContain('ECONNREFUSED');
    expect(log).toContain('HTTP 500');
    expectClean(log, 'the engine log');

    // The CLI: lists, channel settings, test sends that fail, the config itself.
    const outputs = await Promise.all([
      runCli([...base, 'alerts', '--json']),
      runCli([...base, 'alerts']),
      runCli([...base, 'alerts', 'channels']),
      runCli([...base, 'alerts', 'channels', '--json']),
      runCli([...base, 'alerts', 'test', 'slack']),
      runCli([...base, 'alerts', 'test', 'telegram', '--json']),
      runCli([...base, 'alerts', 'test', 'pagerduty']),
      runCli([...base, 'alerts', 'test', 'email']),
      runCli([...base, 'alerts', 'test', 'webhook']),
      runCli([...base, 'config', 'show']),
      runCli([...base, 'config', 'get', 'alerts.channels', '--json']),
    ]);
    for (const [i, out] of outputs.entries()) expectClean(`${out.stdout}\n${out.stderr}`, `CLI output #${i}`);
    const channels = outputs[2]!.stdout;
    expect(channels).toContain('✔ slack');
    expect(channels).toMatch(/routingKey=••••••5521/);
    expect(outputs[4]!.exitCode).toBe(1);
    expect(outputs[4]!.stdout).toContain('✖ slack: HTTP 500');
    expect(JSON.parse(outputs[5]!.stdout)).toMatchObject({ channel: 'telegram', delivered: false });
    expect(JSON.parse(outputs[0]!.stdout).outbox.find((q: { channel: string }) => q.channel === 'slack').lastError).toContain('HTTP 500');

    // And the log after the CLI ran too.
    expectClean(fs.readFileSync(path.join(dir, 'logs', 'cfa-console.log'), 'utf8'), 'the log after the CLI');
  });

  it('secrets given in the environment stay out of every output too', async () => {
    const dir = tempDir();
    const config = writeTestConfig(dir, {});
    const env = { CFA_PAGERDUTY_ROUTING_KEY: CANARY.pagerduty, CFA_SLACK_WEBHOOK_URL: `http://127.0.0.1:9/services/T/B/${CANARY.slack}` };
    const base = ['--data-dir', dir, '--config', config];
    for (const args of [['alerts', 'channels'], ['alerts', 'channels', '--json'], ['alerts', '--json'], ['config', 'show']]) {
      const out = await runCli([...base, ...args], { env });
      expect(out.exitCode, out.stderr).toBe(0);
      expectClean(`${out.stdout}\n${out.stderr}`, args.join(' '));
    }
    const channels = await runCli([...base, 'alerts', 'channels', '--json'], { env });
    expect(Object.keys(JSON.parse(channels.stdout).channels)).toEqual(['slack', 'pagerduty']);
  });
});
