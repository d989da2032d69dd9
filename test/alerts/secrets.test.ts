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
import { startStandIn } from '../../src/exchange/simulator/stand-in-server.js';
import { startFredStandIn, syntheticFredSeries } from '../../src/exchange/simulator/index.js';
import { runJob } from '../../src/engine/job-runner.js';
import { CLI } from '../helpers/cli.js';

/** Values that must never appear in a log line or on a terminal. */
const CANARY = {
  slack: 'CANARYslackPATH7781',
  telegram: '4242:CANARYtelegramTOKEN',
  pagerduty: 'CANARYpagerdutyKEY5521',
  smtp: 'CANARYsmtpPASSWORD',
  webhook: 'CANARYwebhookBEARER',
  fred: 'CANARYfredAPIKEY0042',
};
const ALL = Object.values(CANARY);

const servers: Recorder[] = [];
const standIns: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.stop();
  for (const s of standIns.splice(0)) await s.close();
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

  it('the FRED key (CFA_FRED_API_KEY) stays out of the output, the job log and the stores, whether FRED accepts it or quotes it back', async () => {
    const dir = tempDir();
    // A FRED that refuses the key and quotes the request back, as a proxy might.
    const quoting = await startStandIn((req) => ({ status: 400, body: { error_code: 400, error_message: `Bad Request. api_key ${req.query.api_key} is not registered (${req.path}?${new URLSearchParams(req.query)})` } }));
    const fred = await startFredStandIn({ apiKey: CANARY.fred, series: { DGS10: syntheticFredSeries('DGS10', new Date().toISOString().slice(0, 10), 20) } });
    standIns.push(quoting, fred);
    const settings = (url: string) => ({ sentiment: { fred: { url, series: ['DGS10'], windowMs: 1000 } }, exchange: { retry: { server: { retries: 0, delaysMs: [1] } } } });
    const env = { CFA_FRED_API_KEY: CANARY.fred };

    const refusedConfig = writeTestConfig(dir, settings(quoting.url));
    const refused = await runCli(['--data-dir', dir, '--config', refusedConfig, 'sentiment', '--sources', 'fred', '--json'], { env });
    expect(refused.exitCode).toBe(1);
    expect(refused.stdout).toContain('not registered');
    expectClean(`${refused.stdout}\n${refused.stderr}`, 'sentiment --json (refused)');
    const text = await runCli(['--data-dir', dir, '--config', refusedConfig, 'sentiment', '--sources', 'fred'], { env });
    expect(text.stdout).toMatch(/✖ fred/);
    expectClean(`${text.stdout}\n${text.stderr}`, 'sentiment (refused)');
    expect(quoting.requests.every((r) => r.query.api_key === CANARY.fred)).toBe(true);

    // Accepted, through the job runner: the run's log and summary, market.db and ops.db.
    const okConfig = writeTestConfig(dir, settings(fred.url));
    const db = openOpsDb(dir);
    const saved = process.env.CFA_FRED_API_KEY;
    process.env.CFA_FRED_API_KEY = CANARY.fred;
    try {
      const outcome = await runJob(
        { job: 'sentiment', trigger: 'manual', options: { sources: ['fred'] }, timeoutMs: 60_000, killGraceMs: 500 },
        { db, dataDir: dir, cliCommand: [process.execPath, CLI, '--data-dir', dir, '--config', okConfig] },
      );
      expect(outcome.status).toBe('success');
      expectClean(fs.readFileSync(outcome.logPath!, 'utf8'), 'the job log');
      expectClean(JSON.stringify(outcome.summary), 'the run summary');
    } finally {
      if (saved === undefined) delete process.env.CFA_FRED_API_KEY;
      else process.env.CFA_FRED_API_KEY = saved;
      db.close();
    }
    for (const file of ['market.db', 'ops.db']) expectClean(fs.readFileSync(path.join(dir, file)).toString('latin1'), file);
  });
});
