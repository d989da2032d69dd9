import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { claimIsFree } from '../../src/alerts/delivery-worker.js';
import { Outbox } from '../../src/alerts/outbox.js';
import { openOpsDb } from '../../src/store/ops-db.js';
import { runCli, startCli, writeTestConfig } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp-dir.js';
import { HOUR, Recorder, snapshot } from './helpers.js';

const servers: Recorder[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.stop();
});

async function setup() {
  const slack = await new Recorder().start();
  const pagerduty = await new Recorder(Date.now, { status: 202, body: { status: 'success' } }).start();
  servers.push(slack, pagerduty);
  const dir = tempDir();
  const config = writeTestConfig(dir, {
    symbols: ['BTCUSDT', 'ETHUSDT', 'SOLUSDT'],
    alerts: {
      channels: { slack: { webhookUrl: `${slack.url}/services/T/B/crash` }, pagerduty: { routingKey: 'crash-test-key', url: `${pagerduty.url}/v2/enqueue` } },
      for: { 'data-stale': '0s' },
      groupWait: '0s',
    },
  });
  const snap = path.join(dir, 'stale.json');
  fs.writeFileSync(snap, JSON.stringify(snapshot({ at: Date.now(), ages: { '4h': 30 * HOUR } })));
  const base = ['--data-dir', dir, '--config', config];
  return { slack, pagerduty, dir, snap, base };
}

/** Collects the child's JSON lines as they come; `next(event)` waits for one (printed before or after the call). */
function watchEvents(child: ReturnType<typeof startCli>) {
  const seen: Record<string, unknown>[] = [];
  const waiters: { event: string; resolve: (v: Record<string, unknown>) => void }[] = [];
  let buffer = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    const lines = buffer.split('\n');
    buffer = lines.pop() ?? '';
    for (const line of lines) {
      try {
        const value = JSON.parse(line) as Record<string, unknown>;
        seen.push(value);
        for (const w of waiters.filter((x) => x.event === value.event)) w.resolve(value);
      } catch { /* not JSON */ }
    }
  });
  return {
    next: (event: string) => new Promise<Record<string, unknown>>((resolve, reject) => {
      const found = seen.find((v) => v.event === event);
      if (found) return resolve(found);
      waiters.push({ event, resolve });
      void child.then((r) => reject(new Error(`exited ${r.exitCode} before ${event}: ${String(r.stderr)}`)));
    }),
  };
}

describe('a crash between the state change and the delivery', () => {
  it('kill -9 after the state change and before delivery: delivered exactly once after restart', async () => {
    const { slack, pagerduty, snap, base } = await setup();
    const child = startCli([...base, 'alerts', 'evaluate', '--snapshot', snap, '--deliver', '--json'], { env: { CFA_TEST_HOLD_DELIVERY: '1' } });
    const events = watchEvents(child);
    const evaluated = await events.next('evaluated');
    expect(evaluated.fired).toHaveLength(1);
    expect(evaluated.enqueued).toBe(2);
    await events.next('holding');
    child.kill('SIGKILL');
    const killed = await child;
    expect(killed.signal).toBe('SIGKILL');
    expect(slack.requests).toHaveLength(0);
    expect(pagerduty.requests).toHaveLength(0);

    // The process is gone; the notification is not: a later run (the restarted engine) delivers it.
    const deliver = await runCli([...base, 'alerts', 'deliver', '--json']);
    expect(deliver.exitCode, deliver.stderr).toBe(0);
    expect(deliver.events[0]).toMatchObject({ event: 'delivered', delivered: 2, remaining: 0 });
    expect(slack.requests).toHaveLength(1);
    expect(pagerduty.requests.map((r) => r.body.event_action)).toEqual(['trigger']);

    // Nothing is sent twice: not by another delivery, not by evaluating the same state again.
    expect((await runCli([...base, 'alerts', 'deliver', '--json'])).events[0]).toMatchObject({ delivered: 0 });
    const again = await runCli([...base, 'alerts', 'evaluate', '--snapshot', snap, '--deliver', '--json']);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(again.events[0]).toMatchObject({ event: 'evaluated', fired: [], enqueued: 0 });
    expect(slack.requests).toHaveLength(1);
    expect(pagerduty.requests).toHaveLength(1);

    const list = await runCli([...base, 'alerts', '--json']);
    const body = JSON.parse(list.stdout) as { alerts: { rule: string; state: string }[] };
    expect(body.alerts.map((a) => `${a.rule} ${a.state}`)).toEqual(['data-stale firing']);
  });

  it('a claim held by a dead process on this host is taken over at once; a live one is respected', async () => {
    const dir = tempDir();
    const db = openOpsDb(dir);
    const outbox = new Outbox(db);
    const [id] = outbox.enqueue([{ channel: 'slack', kind: 'test', payload: { kind: 'test', title: 't', text: 't', at: 0, instance: 'x' }, at: 0 }]);
    const far = Date.now() + HOUR;
    const dead = `${os.hostname()}|999999|1|dead`;
    const alive = `${os.hostname()}|${process.pid}||me`;
    expect(claimIsFree(dead, far, Date.now())).toBe(true);
    expect(claimIsFree(alive, far, Date.now())).toBe(false);
    expect(claimIsFree(alive, Date.now() - 1, Date.now())).toBe(true);
    expect(claimIsFree('another-host|1||x', far, Date.now())).toBe(false);
    expect(outbox.claim([id!], alive, far, Date.now(), claimIsFree)).toEqual([id]);
    expect(outbox.claim([id!], 'other|1||y', far, Date.now(), claimIsFree)).toEqual([]);
    db.close();
  });
});
