import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import type { Channel } from '../alerts/channels/channel.js';
import { SECRET_ENV } from '../alerts/channels/secret-env.js';
import type { AlertService } from '../alerts/service.js';
import type { HandoverState, SharedAlerts } from '../alerts/handover.js';
import type { HandoverRow } from '../store/postgres/alert-handover.js';
import type { AlertRecord, MessageNotification, Notification, Silence } from '../alerts/types.js';
import { ConfigError } from '../config/config-error.js';
import { durationMs } from '../config/duration-ms.js';
import { CHANNEL_NAMES, RULE_IDS, type ChannelName, type RuleId } from '../config/names.js';
import type { HealthSnapshot } from '../health/types.js';
import type { Db } from '../store/sqlite.js';
import type { AlertDigestOptions } from '../ops/alert-digest.js';
import { createContext, prepareDataDir, opContext, type CliContext, type GlobalOptions } from './context.js';
import { EXIT } from './exit-codes.js';
import { isoOrDash, relative, table } from './format.js';
import { printJsonLine } from './progress.js';
import type { ProgramResult } from './context.js';
import { usageError, parsePositiveId } from './usage.js';

/**
 * `alerts` (list, ack, silence, unsilence, test, channels, evaluate, deliver) and
 * `export prometheus-rules`. Secrets are never printed: channels show masked settings, and
 * every error from a channel is scrubbed before it reaches the terminal or the log.
 */

/**
 * Set by tests only: `alerts evaluate --deliver` stops between committing the state change and
 * delivering, so a test can kill -9 it exactly there and prove nothing is lost or sent twice.
 */
export const HOLD_DELIVERY_ENV = 'CFA_TEST_HOLD_DELIVERY';

const DAY_MS = 86_400_000;

/**
 * The alerting code (HTTP and SMTP clients, the logger, the health probes), loaded when an
 * alerts command runs: registering the commands costs the console's start-up nothing.
 */
async function alerting() {
  const [service, logger, ops, rules, secrets, settings, health, handover, state] = await Promise.all([
    import('../alerts/service.js'), import('../engine/logger.js'), import('../store/ops-db.js'), import('../alerts/rules.js'),
    import('../alerts/secrets.js'), import('../alerts/settings.js'), import('../health/collect-health.js'), import('../alerts/handover.js'),
    import('../alerts/alert-state.js'),
  ]);
  return {
    AlertService: service.AlertService, createEngineLogger: logger.createEngineLogger, openOpsDb: ops.openOpsDb,
    alertName: rules.alertName, scrub: secrets.scrub, instanceName: settings.instanceName,
    collectHealth: health.collectHealth, openSharedAlerts: handover.openSharedAlerts, handedQueueStats: handover.handedQueueStats, AlertUsageError: state.AlertUsageError,
  };
}

type Alerting = Awaited<ReturnType<typeof alerting>>;

function operator(by: string | undefined): string {
  if (by) return by;
  try {
    return process.env.USER ?? os.userInfo().username;
  } catch {
    return 'unknown';
  }
}

interface Opened {
  ctx: CliContext;
  db: Db;
  service: AlertService;
  lib: Alerting;
  close(): void;
}

/**
 * store.backend postgres: the alert state as the leader mirrored it when another host leads
 * (this host's ops.db is then out of date), with the way to send that leader a command; null on
 * SQLite, or when this host leads or nobody led yet (this ops.db is the truth, and a command is
 * still recorded for whichever host leads next).
 */
interface Shared {
  shared: SharedAlerts;
  /** Set when another host leads: its mirror, which the ids on the command line refer to. */
  remote: HandoverRow<HandoverState> | null;
}

async function openShared(opened: Opened): Promise<Shared | null> {
  const shared = opened.lib.openSharedAlerts(opened.ctx.loaded.config);
  if (!shared) return null;
  try {
    const mirror = await shared.leaderState();
    return { shared, remote: mirror && mirror.host !== shared.host ? mirror : null };
  } catch (error) {
    await shared.close();
    throw error;
  }
}

function leaderNote(remote: HandoverRow<HandoverState>): string {
  return `${remote.host} leads (epoch ${remote.epoch}): it applies this at its next evaluation`;
}

async function openAlerts(globals: GlobalOptions, json: boolean): Promise<Opened> {
  return openAlertsIn(await createContext(globals, json));
}

async function openAlertsIn(ctx: CliContext): Promise<Opened> {
  const { config } = ctx.loaded;
  const lib = await alerting();
  const db = lib.openOpsDb(prepareDataDir(ctx));
  try {
    // The log file, not stdout: the CLI's own output stays readable, and health reads the file.
    const logger = lib.createEngineLogger(config.dataDir, { stdout: false });
    const service = new lib.AlertService({ db, config, logger });
    return { ctx, db, service, lib, close: () => db.close() };
  } catch (error) {
    db.close();
    throw error;
  }
}

function channelHint(name: ChannelName): string {
  switch (name) {
    case 'slack': return `set alerts.channels.slack.webhookUrl or ${SECRET_ENV.slackWebhookUrl}`;
    case 'telegram': return `set alerts.channels.telegram.botToken and chatId (or ${SECRET_ENV.telegramBotToken}, ${SECRET_ENV.telegramChatId})`;
    case 'pagerduty': return `set alerts.channels.pagerduty.routingKey or ${SECRET_ENV.pagerdutyRoutingKey}`;
    case 'email': return 'set alerts.channels.email (host, from, to; the password may come from CFA_SMTP_PASSWORD)';
    case 'webhook': return `set alerts.channels.webhook.url or ${SECRET_ENV.webhookUrl}`;
  }
}

function stateMark(state: string, acked: boolean): string {
  const word = state === 'firing' ? '✖ firing' : state === 'pending' ? '▲ pending' : '✔ resolved';
  return acked && state !== 'resolved' ? `${word} (acked)` : word;
}

/** Sends one message now, bypassing the outbox: someone is waiting at the terminal for the answer. */
async function sendTest(channel: Channel, text: string, instance: string): Promise<{ ok: boolean; error?: string }> {
  const at = Date.now();
  const message: MessageNotification = { kind: 'test', title: 'Test message', text, at, instance };
  const first = await channel.send([message]);
  if (!first.ok) return { ok: false, error: first.error };
  if (channel.name === 'pagerduty') {
    // A test page is resolved at once so it does not stay open on the on-call's phone.
    const resolve: Notification = {
      kind: 'resolved', alertId: 0, rule: 'sync-failed', severity: 'info', labels: {}, summary: 'test', runbook: null,
      dedupKey: `cfa-console/${instance}/test/${at}`, firedAt: at, resolvedAt: at, at, instance,
    };
    const second = await channel.send([resolve]);
    if (!second.ok) return { ok: false, error: `the test event was sent but not resolved: ${second.error}` };
  }
  return { ok: true };
}

function readSnapshot(file: string): HealthSnapshot {
  let value: unknown;
  try {
    value = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError(`cannot read the health snapshot ${file}: ${(error as Error).message}`);
  }
  const s = value as Partial<HealthSnapshot>;
  if (!s || typeof s.at !== 'number' || !Array.isArray(s.probes) || !Array.isArray(s.freshness) || !Array.isArray(s.coverage)) {
    throw new ConfigError(`${file} is not a health snapshot (expected at, overall, probes, freshness, coverage)`);
  }
  return s as HealthSnapshot;
}

/**
 * The `alert-digest` job: builds the last 24 h digest, writes it to the outbox and delivers it
 * (within its wait; what is not delivered by then stays for the engine's worker).
 */
export async function digestCommand(options: AlertDigestOptions, ctx: CliContext): Promise<number> {
  const { alertDigest } = await import('../ops/alert-digest.js');
  const r = await alertDigest(options, opContext(ctx));
  if (r.kind === 'dry-run') {
    if (ctx.json) printJsonLine(ctx.stdout, { event: 'summary', dryRun: true, ...r.digest });
    else ctx.stdout.write(`${r.digest.title}\n\n${r.digest.text}\n`);
    return EXIT.ok;
  }
  if (r.kind === 'no-channel') {
    if (ctx.json) printJsonLine(ctx.stdout, { event: 'summary', channels: [], delivered: 0, note: r.note });
    else ctx.stdout.write(`· ${r.note}\n`);
    return EXIT.ok;
  }
  if (ctx.json) {
    printJsonLine(ctx.stdout, { event: 'summary', title: r.title, channels: r.channels, delivered: r.delivered, waiting: r.waiting, givenUp: r.givenUp, otherDelivered: r.otherDelivered });
  } else {
    ctx.stdout.write(`${r.title}\n`);
    for (const c of r.delivered) ctx.stdout.write(`  ✔ ${c}: delivered\n`);
    for (const w of r.waiting) ctx.stdout.write(`  ▲ ${w.channel}: not yet delivered (${w.error ?? 'waiting'}); the engine keeps trying\n`);
    for (const g of r.givenUp) ctx.stdout.write(`  ✖ ${g.channel}: given up (${g.error ?? 'unknown error'})\n`);
  }
  return r.givenUp.length ? EXIT.failure : EXIT.ok;
}

export function registerAlertCommands(program: Command, globals: () => GlobalOptions, result: ProgramResult): void {
  const alerts = program.command('alerts').description('alerts: list, acknowledge, silence, test channels, evaluate and deliver');

  alerts.command('list', { isDefault: true }).description('open alerts, the last day\'s resolved ones, silences and the delivery queue (the default)')
    .option('--all', 'resolved alerts of the last 7 days too')
    .option('--json', 'JSON instead of tables')
    .action(async (o: { all?: boolean; json?: boolean }) => {
      const opened = await openAlerts(globals(), !!o.json);
      const { ctx, service, lib, close } = opened;
      const shared = await openShared(opened).catch((error: unknown) => { close(); throw error; });
      try {
        const now = Date.now();
        const remote = shared?.remote;
        // Another host leads: its mirror is the truth (open alerts and silences only; this ops.db's are stale).
        const recent = remote ? remote.state.alerts : service.store.since(now - (o.all ? 7 : 1) * DAY_MS);
        const silences = remote ? remote.state.silences.filter((x) => x.until > now) : service.store.activeSilences(now);
        const outbox = remote ? lib.handedQueueStats(remote.state) : service.outbox.stats();
        if (remote && !o.json) process.stdout.write(`${remote.host} leads (epoch ${remote.epoch}); its open alerts as mirrored ${relative(remote.writtenAt, now)}\n`);
        const channels = Object.fromEntries([...service.channels].map(([name, c]) => [name, c.describe()]));
        if (o.json) {
          process.stdout.write(`${JSON.stringify({ alerts: recent, silences, outbox, channels, incomplete: service.incomplete,
            ...(remote ? { leader: { host: remote.host, epoch: remote.epoch, mirroredAt: remote.writtenAt } } : {}) })}\n`);
          return;
        }
        const rows = [...recent].sort((a, b) => (a.state === 'resolved' ? 1 : 0) - (b.state === 'resolved' ? 1 : 0) || b.id - a.id);
        if (rows.length === 0) process.stdout.write(`✔ no alerts${o.all ? ' in the last 7 days' : ' in the last 24 h'}\n`);
        else {
          process.stdout.write(table(['ID', 'STATE', 'SEVERITY', 'ALERT', 'SINCE', 'RUNBOOK', 'SUMMARY'], rows.map((a) => [
            String(a.id), stateMark(a.state, a.ackedAt !== null), a.severity, lib.alertName(a.rule, a.labels),
            relative(a.state === 'resolved' ? a.resolvedAt : a.firedAt ?? a.pendingSince, now), a.runbook ?? '-', a.summary,
          ])));
        }
        if (silences.length) {
          process.stdout.write('\nSilences\n');
          process.stdout.write(table(['ID', 'RULE', 'UNTIL', 'BY', 'REASON'], silences.map((s) => [
            String(s.id), s.rule, `${isoOrDash(s.until)} (${relative(s.until, now)})`, s.createdBy ?? '-', s.reason,
          ])));
        }
        const stuck = outbox.filter((q) => q.pending || q.failed);
        if (stuck.length) {
          process.stdout.write('\nDelivery queue\n');
          process.stdout.write(table(['CHANNEL', 'WAITING', 'GIVEN UP', 'OLDEST', 'LAST ERROR'], stuck.map((q) => [
            q.channel, String(q.pending), String(q.failed), relative(q.oldestPendingAt, now), q.lastError ?? '-',
          ])));
        }
        if (service.channels.size === 0) process.stdout.write(`\n▲ no alert channel is configured: alerts are recorded but nobody is told (see \`${ctx.loaded.path}\`, alerts.channels)\n`);
        for (const c of service.incomplete) process.stdout.write(`\n▲ ${c.channel} is configured but incomplete (missing ${c.missing.join(', ')}): it gets nothing\n`);
      } finally {
        close();
        await shared?.shared.close();
      }
    });

  alerts.command('ack').description('acknowledge an alert: no more repeats of it (its resolve is still sent)')
    .argument('<id>', 'the alert id, from `cfa-console alerts`')
    .option('--by <name>', 'who acknowledges (default: $USER)')
    .option('--json', 'the alert as JSON')
    .action(async (raw: string, o: { by?: string; json?: boolean }) => {
      const id = parsePositiveId(raw, 'the alert id');
      const opened = await openAlerts(globals(), !!o.json);
      const { service, lib, close } = opened;
      const shared = await openShared(opened).catch((error: unknown) => { close(); throw error; });
      try {
        const now = Date.now();
        const by = operator(o.by);
        let alert: AlertRecord;
        if (shared?.remote) {
          const found = shared.remote.state.alerts.find((a) => a.id === id);
          if (!found) throw new lib.AlertUsageError(`no open alert ${id} on ${shared.remote.host}, which leads (see \`cfa-console alerts\` for the open ones)`);
          alert = found.ackedAt === null ? { ...found, ackedAt: now, ackedBy: by } : found;
        } else {
          alert = service.store.ack(id, by, now);
        }
        // Recorded for whichever host leads, even when this ops.db already has it: the leader may be about to hand over.
        await shared?.shared.record({ kind: 'ack', fingerprint: alert.fingerprint, rule: alert.rule, by, at: now });
        if (o.json) printJsonLine(process.stdout, alert);
        else process.stdout.write(`✔ alert ${alert.id} (${lib.alertName(alert.rule, alert.labels)}) acknowledged by ${alert.ackedBy ?? '-'}${shared?.remote ? `; ${leaderNote(shared.remote)}` : ''}\n`);
      } finally {
        close();
        await shared?.shared.close();
      }
    });

  alerts.command('silence').description('hold the notifications of a rule for a while (state is still tracked)')
    .argument('<rule>', `one of: ${RULE_IDS.join(', ')}`)
    .requiredOption('--for <duration>', 'how long, e.g. 30m, 2h')
    .requiredOption('--reason <text>', 'why (shown with the silence)')
    .option('--by <name>', 'who silences (default: $USER)')
    .option('--json', 'the silence as JSON')
    .action(async (rule: string, o: { for: string; reason: string; by?: string; json?: boolean }) => {
      if (!(RULE_IDS as readonly string[]).includes(rule)) throw usageError(`no rule ${JSON.stringify(rule)} (known: ${RULE_IDS.join(', ')})`);
      let forMs: number | undefined;
      try { forMs = durationMs(o.for); } catch { forMs = undefined; }
      if (typeof forMs !== 'number' || !(forMs > 0)) throw usageError(`--for ${JSON.stringify(o.for)}: a duration is a number with a unit, e.g. 30m, 2h`);
      if (!o.reason.trim()) throw usageError('--reason must say why');
      const opened = await openAlerts(globals(), !!o.json);
      const { service, close } = opened;
      const shared = await openShared(opened).catch((error: unknown) => { close(); throw error; });
      try {
        const now = Date.now();
        const by = operator(o.by);
        const reason = o.reason.trim();
        // Another host leads: the silence is its to record (and number); here it is only sent.
        const silence: Omit<Silence, 'id'> & { id: number | null } = shared?.remote
          ? { id: null, rule: rule as RuleId, until: now + forMs, reason, createdAt: now, createdBy: by }
          : service.store.silence(rule as RuleId, now + forMs, reason, by, now);
        await shared?.shared.record({ kind: 'silence', rule: rule as RuleId, until: silence.until, reason, by, at: now });
        if (o.json) printJsonLine(process.stdout, silence);
        else if (shared?.remote) process.stdout.write(`✔ ${rule} silenced until ${isoOrDash(silence.until)}: ${silence.reason}; ${leaderNote(shared.remote)}\n`);
        else process.stdout.write(`✔ ${rule} silenced until ${isoOrDash(silence.until)} (silence ${silence.id}): ${silence.reason}\n`);
      } finally {
        close();
        await shared?.shared.close();
      }
    });

  alerts.command('unsilence').description('end a silence now')
    .argument('<id>', 'the silence id, from `cfa-console alerts`')
    .action(async (raw: string) => {
      const id = parsePositiveId(raw, 'the silence id');
      const opened = await openAlerts(globals(), false);
      const { service, lib, close } = opened;
      const shared = await openShared(opened).catch((error: unknown) => { close(); throw error; });
      try {
        const now = Date.now();
        let s: Silence;
        if (shared?.remote) {
          const found = shared.remote.state.silences.find((x) => x.id === id && x.until > now);
          if (!found) throw new lib.AlertUsageError(`no active silence ${id} on ${shared.remote.host}, which leads (see \`cfa-console alerts\` for the active ones)`);
          s = found;
        } else {
          s = service.store.unsilence(id, now);
        }
        await shared?.shared.record({ kind: 'unsilence', rule: s.rule, createdAt: s.createdAt, createdBy: s.createdBy, at: now });
        process.stdout.write(`✔ silence ${s.id} on ${s.rule} ended${shared?.remote ? `; ${leaderNote(shared.remote)}` : ''}\n`);
      } finally {
        close();
        await shared?.shared.close();
      }
    });

  alerts.command('test').description('send a test message to one channel now and say whether it arrived')
    .argument('<channel>', `one of: ${CHANNEL_NAMES.join(', ')}`)
    .option('--json', 'the outcome as JSON')
    .action(async (name: string, o: { json?: boolean }) => {
      if (!(CHANNEL_NAMES as readonly string[]).includes(name)) throw usageError(`no channel ${JSON.stringify(name)} (known: ${CHANNEL_NAMES.join(', ')})`);
      const channelName = name as ChannelName;
      const { ctx, service, lib, close } = await openAlerts(globals(), !!o.json);
      try {
        const channel = service.channels.get(channelName);
        if (!channel) {
          const incomplete = service.incomplete.find((c) => c.channel === channelName);
          throw new ConfigError(`${channelName} is not configured${incomplete ? ` (missing ${incomplete.missing.join(', ')})` : ''}: ${channelHint(channelName)}`);
        }
        const instance = lib.instanceName(ctx.loaded.config);
        const outcome = await sendTest(channel, `cfa-console on ${instance} can reach this channel (${new Date().toISOString()}).`, instance);
        const error = outcome.error ? lib.scrub(outcome.error, channel.secrets) : undefined;
        if (o.json) printJsonLine(process.stdout, { channel: channelName, delivered: outcome.ok, error: error ?? null, settings: channel.describe() });
        else if (outcome.ok) process.stdout.write(`✔ test message delivered to ${channelName}\n`);
        else process.stdout.write(`✖ ${channelName}: ${error}\n`);
        result.exitCode = outcome.ok ? EXIT.ok : EXIT.failure;
      } finally {
        close();
      }
    });

  alerts.command('channels').description('the configured channels (secrets masked) and where each severity goes')
    .option('--json', 'JSON instead of text')
    .action(async (o: { json?: boolean }) => {
      const { ctx, service, close } = await openAlerts(globals(), !!o.json);
      try {
        const { routes } = ctx.loaded.config.alerts;
        const configured = Object.fromEntries([...service.channels].map(([name, c]) => [name, c.describe()]));
        const effective = Object.fromEntries((['critical', 'warning', 'info'] as const).map((s) => [s, routes[s].filter((c) => service.channels.has(c))]));
        if (o.json) {
          process.stdout.write(`${JSON.stringify({ channels: configured, incomplete: service.incomplete, routes: effective })}\n`);
          return;
        }
        for (const name of CHANNEL_NAMES) {
          const c = configured[name];
          const missing = service.incomplete.find((i) => i.channel === name);
          if (c) process.stdout.write(`✔ ${name.padEnd(9)} ${Object.entries(c).map(([k, v]) => `${k}=${v}`).join('  ')}\n`);
          else if (missing) process.stdout.write(`▲ ${name.padEnd(9)} incomplete: missing ${missing.missing.join(', ')}\n`);
          else process.stdout.write(`· ${name.padEnd(9)} not configured\n`);
        }
        process.stdout.write('\n');
        for (const [severity, list] of Object.entries(effective)) process.stdout.write(`${severity.padEnd(9)} → ${list.length ? list.join(', ') : '(nobody)'}\n`);
      } finally {
        close();
      }
    });

  alerts.command('evaluate').description('judge a health snapshot now: update alert state and queue notifications')
    .option('--snapshot <file>', 'judge this health snapshot (JSON) instead of collecting one now')
    .option('--deliver', 'then deliver what was queued (else the engine\'s worker does)')
    .option('--wait <duration>', 'with --deliver: how long to keep delivering', '60s')
    .option('--json', 'JSON lines: the evaluation, then the delivery')
    .action(async (o: { snapshot?: string; deliver?: boolean; wait: string; json?: boolean }) => {
      const given = o.snapshot ? readSnapshot(o.snapshot) : null;
      const { ctx, service, lib, close } = await openAlerts(globals(), !!o.json);
      try {
        const now = Date.now();
        const { config } = ctx.loaded;
        const snapshot = given ?? lib.collectHealth({ config, dataDir: config.dataDir, now });
        const report = service.evaluate(snapshot, now);
        const summary = {
          event: 'evaluated', at: report.at, fired: report.fired.map((a) => a.id), resolved: report.resolved.map((a) => a.id),
          repeated: report.repeated.map((a) => a.id), silenced: report.silenced.map((a) => a.id), enqueued: report.enqueued,
          open: report.open.map((a) => ({ id: a.id, rule: a.rule, state: a.state, severity: a.severity, labels: a.labels })),
          undetermined: report.undetermined, errors: report.errors,
        };
        if (o.json) printJsonLine(process.stdout, summary);
        else {
          process.stdout.write(`evaluated: ${report.fired.length} fired, ${report.resolved.length} resolved, ${report.open.length} open, ${report.enqueued} notifications queued\n`);
          for (const a of report.open) process.stdout.write(`  ${stateMark(a.state, a.ackedAt !== null)} #${a.id} ${lib.alertName(a.rule, a.labels)}: ${a.summary}\n`);
        }
        if (!o.deliver) return;
        if (process.env[HOLD_DELIVERY_ENV]) {
          if (o.json) printJsonLine(process.stdout, { event: 'holding' });
          // Never returns: the test kills the process here, after the commit and before any send.
          await new Promise<never>(() => { setInterval(() => {}, 60_000); });
        }
        const drained = await service.worker.drain({ maxWaitMs: durationMs(o.wait) });
        if (o.json) printJsonLine(process.stdout, { event: 'delivered', ...drained });
        else process.stdout.write(`delivered ${drained.delivered}, waiting ${drained.remaining}, given up ${drained.givenUp}\n`);
        result.exitCode = drained.remaining || drained.givenUp ? EXIT.failure : EXIT.ok;
      } finally {
        close();
      }
    });

  alerts.command('deliver').description('deliver what the outbox holds now (normally the engine\'s worker does it)')
    .option('--wait <duration>', 'how long to keep delivering (retries and rate limits included)', '60s')
    .option('--json', 'the outcome as JSON')
    .action(async (o: { wait: string; json?: boolean }) => {
      const { service, close } = await openAlerts(globals(), !!o.json);
      try {
        const drained = await service.worker.drain({ maxWaitMs: durationMs(o.wait) });
        if (o.json) printJsonLine(process.stdout, { event: 'delivered', ...drained });
        else {
          process.stdout.write(`delivered ${drained.delivered}, waiting ${drained.remaining}, given up ${drained.givenUp}\n`);
          for (const u of drained.unroutable) process.stdout.write(`▲ ${u.rows} waiting for ${u.channel}, which is not configured here: ${channelHint(u.channel)}\n`);
        }
        result.exitCode = drained.remaining || drained.givenUp ? EXIT.failure : EXIT.ok;
      } finally {
        close();
      }
    });

  program.command('export').description('write files for other tools')
    .command('prometheus-rules').description('Prometheus alerting rules equivalent to the built-in ones, over the /metrics endpoint\'s metrics')
    .option('--output <file>', 'write to this file instead of stdout')
    .action(async (o: { output?: string }) => {
      const ctx = await createContext(globals(), false);
      const { prometheusRulesYaml } = await import('../alerts/prometheus-rules.js');
      const yaml = prometheusRulesYaml(ctx.loaded.config);
      if (!o.output) {
        process.stdout.write(yaml);
        return;
      }
      fs.mkdirSync(path.dirname(path.resolve(o.output)), { recursive: true });
      fs.writeFileSync(o.output, yaml);
      process.stderr.write(`wrote ${o.output}\n`);
    });
}

