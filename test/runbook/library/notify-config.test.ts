import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { actions, checks, notify } from '../../../src/runbook/library/index.js';
import { writeTestConfig } from '../../helpers/cli.js';
import { simulator } from '../../helpers/simulated-exchange.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { stepContext, withFacts } from './helpers.js';

/** Stands in for Slack/PagerDuty at the HTTP boundary: records every POST body and answers 200. */
async function recorder() {
  const bodies: { url: string; body: Record<string, any> }[] = [];
  const server = http.createServer((req, res) => {
    let text = '';
    req.on('data', (c: Buffer) => { text += c.toString(); });
    req.on('end', () => {
      bodies.push({ url: req.url ?? '', body: JSON.parse(text || '{}') as Record<string, any> });
      res.writeHead(202, { 'content-type': 'application/json' }).end('{"status":"success"}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  servers.push(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, bodies };
}
const servers: http.Server[] = [];
afterEach(() => { for (const s of servers.splice(0)) s.close(); });

describe('step library: notifications and the config', () => {
  it('notifies the incident channel once and pages once per incident, through the outbox; PagerDuty only gets the page', async () => {
    const hook = await recorder();
    const dir = tempDir('cfa-rb-notify-');
    const dataDir = path.join(dir, 'data');
    const configFile = writeTestConfig(dir, {
      alerts: { channels: { webhook: { url: `${hook.url}/hook` }, pagerduty: { routingKey: 'test-key', url: `${hook.url}/pd` } } },
    });
    const ctx = stepContext({ dataDir, configFile, incidentId: 7 });

    expect((await checks.notified('rollback').run(ctx)).ok).toBe(false);
    const note = notify.incidentChannel('rollback', 'Rolled back', (c) => `diagnostics in ${String(c.facts.diagnostics)}`);
    const withDiag = withFacts(ctx, 'diagnostics', { diagnostics: '/data/incidents/7/hang.json' });
    expect(await note.plan!(withDiag)).toMatchObject({ action: 'notify', risk: 'mutate', title: 'notify webhook' });
    const sent = await note.run(withDiag);
    expect(sent.ok, sent.summary).toBe(true);
    expect(sent.data).toMatchObject({ channels: ['webhook'], delivered: ['webhook'], already: false });
    expect(hook.bodies.map((b) => b.url)).toEqual(['/hook']);
    expect(JSON.stringify(hook.bodies[0]!.body)).toContain('diagnostics in /data/incidents/7/hang.json');
    // The alreadyDone of a re-run, and a re-run itself sends nothing new.
    expect((await checks.notified('rollback').run(ctx)).ok).toBe(true);
    expect((await note.run(withDiag)).data.already).toBe(true);
    expect(hook.bodies).toHaveLength(1);

    const page = notify.page('stale-data could not reach its steady state');
    const paged = await page.run(ctx);
    expect(paged.ok, paged.summary).toBe(true);
    expect(paged.data.channels).toEqual(['pagerduty', 'webhook']);
    const pd = hook.bodies.find((b) => b.url === '/pd')!;
    expect(pd.body).toMatchObject({ routing_key: 'test-key', event_action: 'trigger' });
    expect(pd.body.payload.summary).toContain('stale-data could not reach its steady state');
    expect((await checks.notified('page').run(ctx)).ok).toBe(true);
  }, 30_000);

  it('a delisted symbol: found through exchangeInfo, removed from the config file after its plan, and then already done', async () => {
    const sim = await simulator({ symbols: 2 });
    const dir = tempDir('cfa-rb-symbols-');
    const dataDir = path.join(dir, 'data');
    const configFile = writeTestConfig(dir, { symbols: [...sim.symbols.slice(0, 2), 'GONEUSDT'], intervals: ['1d'], sync: { backfillDays: 3 } });
    const ctx = stepContext({ dataDir, configFile, exchangeUrl: sim.url });
    const synced = await actions.syncSeries({ symbols: sim.symbols.slice(0, 2) }).run(ctx);
    expect(synced.ok, synced.summary).toBe(true);

    const found = await checks.symbols().run(ctx);
    expect(found.ok).toBe(false);
    expect(found.data).toMatchObject({ missing: ['GONEUSDT'], unlisted: ['GONEUSDT'] });
    expect((await checks.rulesClear(['missing-symbols']).run(ctx)).ok).toBe(false);

    const next = withFacts(ctx, 'symbols', found.data);
    expect((await checks.symbolsRemoved().run(next)).ok).toBe(false);
    const remove = actions.removeSymbols();
    const plan = await remove.plan!(next);
    expect(plan.data).toEqual({ symbols: ['GONEUSDT'] });
    expect(plan.facts).toContainEqual({ label: 'left afterwards', value: '2' });
    const removed = await remove.run(next);
    expect(removed.ok, removed.summary).toBe(true);
    expect(JSON.parse(fs.readFileSync(configFile, 'utf8')).symbols).toEqual(sim.symbols.slice(0, 2));
    expect((await checks.symbolsRemoved().run(next)).ok).toBe(true);
    expect((await checks.rulesClear(['missing-symbols']).run(next)).ok).toBe(true);
    // A fresh load of the file agrees.
    const reloaded = stepContext({ dataDir, configFile, exchangeUrl: sim.url });
    expect(reloaded.loaded.config.symbols).toEqual(sim.symbols.slice(0, 2));
  }, 30_000);

  it('disk space and usage: the probe\'s verdict and what takes the space', async () => {
    const dir = tempDir('cfa-rb-disk-');
    const dataDir = path.join(dir, 'data');
    fs.mkdirSync(path.join(dataDir, 'quarantine'), { recursive: true });
    fs.writeFileSync(path.join(dataDir, 'quarantine', 'old.db'), Buffer.alloc(2 * 1048576));
    const ctx = stepContext({ dataDir, configFile: writeTestConfig(dir, {}) });
    const usage = await checks.dataDirUsage().run(ctx);
    expect(usage.output![0]).toMatch(/2\.0 MB {2}quarantine$/);
    const disk = await checks.diskSpace().run(ctx);
    expect(['ok', 'warn', 'critical']).toContain(disk.data.status);
    expect(disk.ok).toBe(disk.data.status === 'ok');
  });
});
