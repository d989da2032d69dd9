import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import type { Candle } from '../../src/exchange/candle.js';
import { PgMarketStore } from '../../src/store/postgres/market-store.js';
import { dumpScopeExclusions } from '../../src/backup/postgres/facts.js';
import { initialState } from '../../src/runbook/machine.js';
import { IncidentStore } from '../../src/runbook/incidents.js';
import { openOpsDb } from '../../src/store/ops-db.js';
import { RUNBOOKS } from '../../runbooks/index.js';
import { runCli } from '../helpers/cli.js';
import { engineFixture, startDaemon, type RunningDaemon } from '../helpers/daemon.js';
import { freshPgDatabase, pgMissing, type TestDatabase } from '../helpers/postgres.js';
import { simulator } from '../helpers/simulated-exchange.js';
import { tempDir } from '../helpers/temp-dir.js';
import { Recorder } from './helpers.js';

/**
 * Alerts across hosts on one PostgreSQL: two engines with different host names (host-a in its
 * config file, host-b through CFA_HOST), separate data dirs (separate ops.db), real processes and
 * kill -9, PagerDuty and a webhook stood in for by recording HTTP servers on loopback. The one
 * condition is the shared candles' freshness: a 1d series whose newest candle is days old is
 * stale (data-stale, critical); a fresh candle upserted by the test clears it.
 */

const DAY = 86_400_000;

function candle(openTime: number): Candle {
  return {
    symbol: 'BTCUSDT', interval: '1d', openTime, open: 1, high: 1, low: 1, close: 1, volume: 1, closeTime: openTime + DAY - 1,
    quoteVolume: 1, trades: 1, takerBuyBase: 1, takerBuyQuote: 1,
  };
}

async function putCandle(url: string, openTime: number): Promise<void> {
  const store = await PgMarketStore.open(url, { poolSize: 1 });
  try {
    await store.upsertCandles([candle(openTime)], Date.now());
  } finally {
    await store.close();
  }
}

interface Mirror { epoch: number; host: string; state: { alerts: { id: number; rule: string; state: string; lastNotifiedAt: number | null; ackedAt: number | null }[]; outbox: { kind: string; attempts: number }[]; silences: { id: number; rule: string; createdBy: string }[] } }

async function mirror(url: string): Promise<Mirror | null> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query("SELECT epoch::int AS epoch, host, state FROM cfa_alert_handover WHERE name = 'leader'").catch(() => ({ rows: [] }));
    return (rows[0] as Mirror | undefined) ?? null;
  } finally {
    await client.end();
  }
}

interface MirroredIncident { originId: number; runbook: string; state: string; automatic: boolean; alert: { id: number | null; key: string | null } | null; timeline: { step: string | null }[] }

async function mirroredIncidents(url: string): Promise<{ epoch: number; host: string; incidents: MirroredIncident[] } | null> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query("SELECT epoch::int AS epoch, host, incidents FROM cfa_incident_handover WHERE name = 'leader'").catch(() => ({ rows: [] }));
    return (rows[0] as { epoch: number; host: string; incidents: MirroredIncident[] } | undefined) ?? null;
  } finally {
    await client.end();
  }
}

/** The incidents of one host's ops.db, with their timelines' steps, and its open data-stale alert's id and fingerprint. */
function opsOf(dataDir: string) {
  const db = openOpsDb(dataDir);
  try {
    const store = new IncidentStore(db);
    const incidents = store.list().map((i) => ({ ...i, steps: store.timeline(i.id).map((e) => e.step ?? e.kind) }));
    const alert = db.prepare("SELECT id, fingerprint FROM alerts WHERE rule = 'data-stale' AND state != 'resolved'").get() as { id: number; fingerprint: string } | undefined;
    return { incidents, alert };
  } finally {
    db.close();
  }
}

async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** PagerDuty events about data-stale that the stand-in accepted (2xx), by action. */
function accepted(pd: Recorder, action: 'trigger' | 'resolve'): { dedup_key: string }[] {
  return pd.requests
    .filter((r) => r.status < 300 && r.body.event_action === action && String(r.body.dedup_key).includes('/data-stale/'))
    .map((r) => r.body as { dedup_key: string });
}

/** Webhook notifications of `kind` for data-stale that the stand-in accepted. */
function hooked(hook: Recorder, kind: string): unknown[] {
  return hook.requests.filter((r) => r.status < 300)
    .flatMap((r) => (r.body.notifications as { kind: string; rule: string }[]).filter((n) => n.kind === kind && n.rule === 'data-stale'));
}

describe.skipIf(pgMissing)(`alerts across hosts in PostgreSQL${pgMissing ? ` (skipped: ${pgMissing})` : ''}`, () => {
  const started: RunningDaemon[] = [];
  const servers: Recorder[] = [];
  let db: TestDatabase | null = null;

  afterEach(async () => {
    for (const d of started.splice(0)) {
      d.child.kill('SIGKILL');
      await d.child.catch(() => {});
    }
    for (const s of servers.splice(0)) await s.stop();
    await db?.drop();
    db = null;
  });

  /** `autoStaleData`: the host that runs stale-data by itself when it leads (engineFixture turns every automatic runbook off). */
  async function twoHosts(options: { repeatCritical?: string; pagerdutyDown?: boolean; autoStaleData?: string } = {}) {
    db = await freshPgDatabase();
    const url = db.url;
    // The newest candle five days old: stale from the first evaluation.
    await putCandle(url, Math.floor(Date.now() / DAY) * DAY - 5 * DAY);
    const pagerduty = await new Recorder(Date.now, options.pagerdutyDown ? { status: 503, body: { status: 'unavailable' } } : { status: 202, body: { status: 'success' } }).start();
    const webhook = await new Recorder().start();
    servers.push(pagerduty, webhook);
    const sim = await simulator({ symbols: 1 });
    const host = (name: string) => {
      const dir = tempDir();
      const args = engineFixture(dir, sim.url, {
        symbols: ['BTCUSDT'],
        intervals: ['1d'],
        store: { backend: 'postgres', url },
        ...(options.autoStaleData === name ? { runbooks: { auto: Object.fromEntries(RUNBOOKS.map((r) => [r.id, r.id === 'stale-data'])) } } : {}),
        engine: { leaseTtl: '2s', leaseRenewEvery: '300ms', stopGrace: '2s', sampleEvery: '500ms', monitorEvery: '500ms', ...(name === 'host-a' ? { host: name } : {}) },
        alerts: {
          channels: {
            pagerduty: { routingKey: 'handover-test-key', url: `${pagerduty.url}/v2/enqueue` },
            webhook: { url: `${webhook.url}/hook` },
          },
          routes: { critical: ['pagerduty', 'webhook'], warning: [], info: [] },
          for: { 'data-stale': '0s' },
          groupWait: '0s',
          repeatCritical: options.repeatCritical ?? '1h',
          delivery: { backoffBase: '1s', backoffMax: '1s', maxAttempts: 1000 },
        },
      });
      const env: Record<string, string> = name === 'host-b' ? { CFA_HOST: 'host-b' } : {};
      return {
        name, data: path.join(dir, 'data'), args, env,
        start: () => {
          const daemon = startDaemon(args, { env });
          started.push(daemon);
          return daemon;
        },
        /** This host's CLI (not an engine): `cfa-console <args>` with its config and host name. */
        cli: (more: string[]) => runCli([...args, ...more], { env }),
      };
    };
    return { url, pagerduty, webhook, a: host('host-a'), b: host('host-b') };
  }

  it('a firing, notified alert is not paged again after kill -9 of its leader; the next host sends the resolve once, under the same dedup key; the first host, back as leader, sends nothing again', async () => {
    const { url, pagerduty, webhook, a, b } = await twoHosts();
    const leaderA = a.start();
    await leaderA.waitFor((l) => l.msg === 'became leader');
    await until('the trigger at PagerDuty', () => accepted(pagerduty, 'trigger').length === 1);
    // host-a mirrored the delivery: the alert is notified and nothing waits.
    await until('the mirror of the delivered page', async () => {
      const m = await mirror(url);
      return Boolean(m && m.state.outbox.length === 0 && m.state.alerts.some((x) => x.rule === 'data-stale' && x.state === 'firing' && x.lastNotifiedAt !== null));
    });
    const followerB = b.start();
    await followerB.waitFor((l) => l.msg === 'following the current leader');

    leaderA.child.kill('SIGKILL');
    await leaderA.child.catch(() => {});
    expect(await followerB.waitFor((l) => l.msg === 'became leader')).toMatchObject({ host: 'host-b', epoch: 2 });
    // host-b evaluates the same stale data for a while (every 500 ms) without paging anyone.
    await until('host-b mirroring under its epoch', async () => (await mirror(url))?.host === 'host-b');
    await sleep(3000);
    expect(accepted(pagerduty, 'trigger')).toHaveLength(1);
    expect(hooked(webhook, 'firing')).toHaveLength(1);
    expect(followerB.lines().find((l) => l.msg === 'alert state taken over from the previous leader')).toMatchObject({ fromHost: 'host-a', fromEpoch: 1 });

    // The data is fresh again: host-b closes the incident host-a opened, once.
    await putCandle(url, Math.floor(Date.now() / DAY) * DAY - DAY);
    await until('the resolve at PagerDuty', () => accepted(pagerduty, 'resolve').length === 1);
    await until('the resolve at the webhook', () => hooked(webhook, 'resolved').length === 1);
    await sleep(2000);
    expect(accepted(pagerduty, 'resolve')).toHaveLength(1);
    expect(hooked(webhook, 'resolved')).toHaveLength(1);
    expect(accepted(pagerduty, 'resolve')[0]!.dedup_key).toBe(accepted(pagerduty, 'trigger')[0]!.dedup_key);
    expect(accepted(pagerduty, 'trigger')).toHaveLength(1);

    // host-a comes back and leads again after kill -9 of host-b: its ops.db still says firing
    // (epoch 1); host-b's mirror says it ended, and nothing is sent again.
    const againA = a.start();
    await againA.waitFor((l) => l.msg === 'following the current leader');
    followerB.child.kill('SIGKILL');
    await followerB.child.catch(() => {});
    expect(await againA.waitFor((l) => l.msg === 'became leader')).toMatchObject({ host: 'host-a', epoch: 3 });
    await until('host-a mirroring under epoch 3', async () => (await mirror(url))?.epoch === 3);
    await sleep(3000);
    expect(accepted(pagerduty, 'trigger')).toHaveLength(1);
    expect(accepted(pagerduty, 'resolve')).toHaveLength(1);
    expect(hooked(webhook, 'resolved')).toHaveLength(1);
    expect((await mirror(url))?.state.alerts.filter((x) => x.rule === 'data-stale')).toEqual([]);
  });

  it('a page queued while PagerDuty is down is delivered once by the next host after kill -9 of the leader, though the data is fresh again by then', async () => {
    const { url, pagerduty, a, b } = await twoHosts({ pagerdutyDown: true });
    const leaderA = a.start();
    await leaderA.waitFor((l) => l.msg === 'became leader');
    await until('a failed attempt mirrored', async () => {
      const m = await mirror(url);
      return Boolean(m && m.state.outbox.some((x) => x.kind === 'firing' && x.attempts >= 1));
    });
    expect(pagerduty.requests.length).toBeGreaterThan(0);
    expect(accepted(pagerduty, 'trigger')).toHaveLength(0);
    const followerB = b.start();
    await followerB.waitFor((l) => l.msg === 'following the current leader');
    // The stale period is over before host-b leads: host-b cannot find the alert by itself, only
    // take over the page host-a could not deliver (and, since it ended, its resolve).
    await putCandle(url, Math.floor(Date.now() / DAY) * DAY - DAY);

    leaderA.child.kill('SIGKILL');
    await leaderA.child.catch(() => {});
    pagerduty.fallback = { status: 202, body: { status: 'success' } };
    await followerB.waitFor((l) => l.msg === 'became leader');
    await until('the trigger and its resolve delivered by host-b', () => accepted(pagerduty, 'trigger').length === 1 && accepted(pagerduty, 'resolve').length === 1, 20_000);
    await sleep(3000);
    expect(accepted(pagerduty, 'trigger')).toHaveLength(1);
    expect(accepted(pagerduty, 'resolve')).toHaveLength(1);
    const accepted202 = pagerduty.requests.filter((r) => r.status < 300).map((r) => r.body.event_action);
    expect(accepted202).toEqual(['trigger', 'resolve']);
  });

  it('an ack on host-b\'s CLI stops the repeats of leader host-a; a silence and its end given there reach host-a', async () => {
    const { url, webhook, a, b } = await twoHosts({ repeatCritical: '1s' });
    const leaderA = a.start();
    await leaderA.waitFor((l) => l.msg === 'became leader');
    await until('two repeats at the webhook', () => hooked(webhook, 'repeat').length >= 2);

    // host-b's CLI lists what host-a mirrored and acks it by the id shown there.
    const listed = await b.cli(['alerts', '--json']);
    expect(listed.exitCode, listed.stderr).toBe(0);
    const list = JSON.parse(listed.stdout) as { alerts: { id: number; rule: string }[]; leader?: { host: string } };
    expect(list.leader).toMatchObject({ host: 'host-a' });
    const alert = list.alerts.find((x) => x.rule === 'data-stale')!;
    expect(alert).toBeDefined();
    const acked = await b.cli(['alerts', 'ack', String(alert.id), '--by', 'tester']);
    expect(acked.exitCode, acked.stderr).toBe(0);
    expect(acked.stdout).toContain('host-a leads');

    await leaderA.waitFor((l) => l.msg === 'alert command from the CLI applied' && l.fromHost === 'host-b');
    await until('the ack mirrored', async () => Boolean((await mirror(url))?.state.alerts.find((x) => x.rule === 'data-stale')?.ackedAt));
    await sleep(1500);
    const repeats = hooked(webhook, 'repeat').length;
    await sleep(3000);
    expect(hooked(webhook, 'repeat')).toHaveLength(repeats);
    expect(hooked(webhook, 'firing')).toHaveLength(1);

    // A silence and its end, given on host-b, reach host-a's ops.db (and so its mirror).
    const silenced = await b.cli(['alerts', 'silence', 'backup-stale', '--for', '1h', '--reason', 'restoring', '--by', 'tester']);
    expect(silenced.exitCode, silenced.stderr).toBe(0);
    await until('the silence mirrored by host-a', async () => Boolean((await mirror(url))?.state.silences.some((x) => x.rule === 'backup-stale' && x.createdBy === 'tester')));
    const silences = (JSON.parse((await b.cli(['alerts', '--json'])).stdout) as { silences: { id: number; rule: string }[] }).silences;
    const ended = await b.cli(['alerts', 'unsilence', String(silences.find((x) => x.rule === 'backup-stale')!.id)]);
    expect(ended.exitCode, ended.stderr).toBe(0);
    await until('the end of the silence mirrored by host-a', async () => (await mirror(url))?.state.silences.length === 0);

    // An unknown id names the leader and exits 2.
    const wrong = await b.cli(['alerts', 'ack', '9999']);
    expect(wrong.exitCode).toBe(2);
    expect(wrong.stderr).toContain('host-a');
  });
  it('an open incident travels with the alerts: a follower\'s CLI lists the leader\'s, the next leader after kill -9 resumes the same one, and back again there is still one', async () => {
    // stale-data runs by itself on host-b only: host-a's incident is the test's, and host-b resumes it.
    const { url, a, b } = await twoHosts({ autoStaleData: 'host-b' });
    const leaderA = a.start();
    await leaderA.waitFor((l) => l.msg === 'became leader');
    await until('data-stale firing on host-a', () => opsOf(a.data).alert !== undefined);
    // An automatic run of stale-data on host-a, for that alert, one step in, whose process is gone
    // (as after kill -9): written into host-a's ops.db as the runner writes it.
    const alertA = opsOf(a.data).alert!;
    const decl = RUNBOOKS.find((r) => r.id === 'stale-data')!;
    const opsA = openOpsDb(a.data);
    try {
      const store = new IncidentStore(opsA);
      // In one transaction: a mirror written between the opening and the first step would lack the step
      // until the next evaluation mirrors again, and the reads below would race it.
      opsA.transaction(() => {
        const opened = store.open({
          runbook: decl.id, alert: { id: alertA.id, rule: 'data-stale', pendingSince: null, firedAt: Date.now() }, automatic: true, at: Date.now(),
          who: { user: 'cfa', host: 'gone-host', tty: null, pid: 999_999, startTicks: null }, machine: initialState(decl),
        });
        store.addEntry(opened.id, { runbook: decl.id, step: decl.steps[0]!.id, kind: 'step', startedAt: Date.now(), endedAt: Date.now(), outcome: 'not-passed', summary: 'stale' });
      })();
    } finally {
      opsA.close();
    }
    await until('the incident mirrored by host-a', async () => Boolean((await mirroredIncidents(url))?.incidents.some((i) => i.runbook === 'stale-data' && i.state === 'open')));
    const mirrored = (await mirroredIncidents(url))!.incidents.find((i) => i.runbook === 'stale-data')!;
    expect(mirrored).toMatchObject({ automatic: true, alert: { key: alertA.fingerprint } });
    expect(mirrored.timeline.map((e) => e.step)).toEqual([decl.steps[0]!.id]);

    // host-b, a follower: its own ops.db has no incident, its CLI shows host-a's.
    const followerB = b.start();
    await followerB.waitFor((l) => l.msg === 'following the current leader');
    const listed = await b.cli(['incident', 'list', '--json']);
    expect(listed.exitCode, listed.stderr).toBe(0);
    const rows = listed.stdout.trim().split('\n').map((l) => JSON.parse(l) as { id: number; runbook: string; state: string; host?: string });
    expect(rows.filter((r) => r.runbook === 'stale-data')).toEqual([expect.objectContaining({ state: 'open', host: 'host-a', id: mirrored.originId })]);
    const text = await b.cli(['incident', 'list']);
    expect(text.stdout).toContain(`host-a#${mirrored.originId}`);
    expect(text.stdout).toContain('on the leader host-a');
    const shown = await b.cli(['incident', 'show', `host-a#${mirrored.originId}`]);
    expect(shown.exitCode, shown.stderr).toBe(0);
    expect(shown.stdout).toContain(`incident host-a#${mirrored.originId}  stale-data`);
    expect(shown.stdout).toContain(decl.steps[0]!.id);
    const elsewhere = await b.cli(['incident', 'show', `host-c#${mirrored.originId}`]);
    expect(elsewhere.exitCode).toBe(2);
    expect(elsewhere.stderr).toContain('the leader is host-a');

    // kill -9 of host-a: host-b leads and carries on with that incident, linked to its own copy of the alert.
    leaderA.child.kill('SIGKILL');
    await leaderA.child.catch(() => {});
    await followerB.waitFor((l) => l.msg === 'became leader');
    await followerB.waitFor((l) => l.msg === 'incidents taken over from the previous leader');
    await until('host-b mirroring the incidents', async () => (await mirroredIncidents(url))?.host === 'host-b');
    const onB = opsOf(b.data);
    const carried = onB.incidents.filter((i) => i.runbook === 'stale-data');
    expect(carried).toHaveLength(1);
    expect(carried[0]).toMatchObject({ automatic: true, alert: { id: onB.alert!.id, rule: 'data-stale' } });
    expect(carried[0]!.steps[0]).toBe(decl.steps[0]!.id);
    // The dead run's claim does not hold it back: host-b's engine resumes that incident, and opens none for the alert.
    await followerB.waitFor((l) => l.msg === 'automatic incident left by a dead leader: resuming it' && l.incident === carried[0]!.id);
    await until('the resume on host-b', () => opsOf(b.data).incidents.some((i) => i.id === carried[0]!.id && i.steps.includes('resume')));
    expect(opsOf(b.data).incidents.filter((i) => i.runbook === 'stale-data').map((i) => i.id)).toEqual([carried[0]!.id]);
    const onBList = (await b.cli(['incident', 'list', '--json'])).stdout.trim().split('\n').map((l) => JSON.parse(l) as { runbook: string; host?: string });
    expect(onBList.filter((r) => r.runbook === 'stale-data')).toEqual([expect.not.objectContaining({ host: expect.anything() })]);

    // host-a back, leading again after kill -9 of host-b: still one incident there, not a second.
    const againA = a.start();
    await againA.waitFor((l) => l.msg === 'following the current leader');
    followerB.child.kill('SIGKILL');
    await followerB.child.catch(() => {});
    await againA.waitFor((l) => l.msg === 'became leader');
    await until('host-a mirroring the incidents again', async () => (await mirroredIncidents(url))?.host === 'host-a');
    expect(opsOf(a.data).incidents.filter((i) => i.runbook === 'stale-data')).toHaveLength(1);
    expect((await mirroredIncidents(url))!.incidents.filter((i) => i.runbook === 'stale-data')).toHaveLength(1);
    // Outside every backup: a restore must not roll the handed-over incidents back.
    expect(dumpScopeExclusions()).toContain('cfa_incident_handover');
  });
});
