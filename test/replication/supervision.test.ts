import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { listGenerations } from '../../src/replication/litestream.js';
import { loadConfig } from '../../src/config/load-config.js';
import { liveProcessFromPidFile, pidFilePath } from '../../src/engine/supervisor/pid-file.js';
import { runCli } from '../helpers/cli.js';
import { engineFixture, startDaemon } from '../helpers/daemon.js';
import { simulator } from '../helpers/simulated-exchange.js';
import { tempDir } from '../helpers/temp-dir.js';
import { markerOpenTime, markersIn, readText, replicaSettings, summaryOf, waitUntil, writeMarkers } from './helpers.js';

async function marketGenerations(configFile: string, dataDir: string): Promise<string[]> {
  const { config } = loadConfig({ configPath: configFile, dataDir });
  return (await listGenerations(dataDir, config.replication, 'market')).map((g) => g.generation);
}

describe('the replica across compact and a snapshot restore', () => {
  it('starts a new generation after each, with no error, and the replica stays usable', async () => {
    const sim = await simulator({ symbols: 2 });
    const symbols = sim.symbols.slice(0, 2);
    const dir = tempDir('cfa-repl-');
    const args = engineFixture(dir, sim.url, { symbols, intervals: ['1h'], ...replicaSettings(path.join(dir, 'replica')) });
    const dataDir = path.join(dir, 'data');
    const configFile = path.join(dir, 'config.json');
    expect((await runCli([...args, 'sync', '--json'])).exitCode).toBe(0);
    expect((await runCli([...args, 'backup', '--json'])).exitCode).toBe(0);
    const engine = startDaemon(args);
    try {
      await engine.waitFor((l) => l.msg === 'replication' && l.state === 'running');
      await writeMarkers(dataDir, 1, 1, 0);
      await waitUntil(async () => (await marketGenerations(configFile, dataDir)).length === 1, 15_000);
      const first = await marketGenerations(configFile, dataDir);

      const compact = await runCli([...args, 'compact', '--json']);
      expect(compact.exitCode, compact.stdout + compact.stderr).toBe(0);
      expect(compact.events.find((e) => e.step === 'new-generation')?.status).toBe('ok');
      await waitUntil(async () => (await marketGenerations(configFile, dataDir)).length === 2, 20_000);
      const afterCompact = await marketGenerations(configFile, dataDir);
      expect(afterCompact).toEqual(expect.arrayContaining(first));

      const restore = await runCli([...args, 'restore', '--latest', '--yes', '--json']);
      expect(restore.exitCode, restore.stdout + restore.stderr).toBe(0);
      expect(restore.events.find((e) => e.step === 'stop-writers')?.detail).toMatch(/paused the litestream process/);
      await waitUntil(async () => (await marketGenerations(configFile, dataDir)).length === 3, 20_000);
      // Still replicating from the restored file: a write after it reaches the replica.
      await writeMarkers(dataDir, 2, 1, 0);
      await waitUntil(async () => {
        const r = await runCli([...args, 'health', '--only', 'replication', '--json']);
        return (JSON.parse(r.stdout).probes as { status: string }[])[0]?.status === 'ok';
      }, 20_000);
      // Litestream 0.3.13 on SIGTERM may write the same WAL segment twice at once (its sync loop and
      // its close), and the second finds the first's temporary file renamed: "error closing db ...
      // .wal.lz4.tmp: no such file or directory", then "failed to run" with the same cause. The
      // segment itself was written (the restore from the replica below proves it); any other ERROR fails.
      const errors = readText(path.join(dataDir, 'logs', 'daemon', 'litestream.log')).split('\n')
        .filter((line) => /level=ERROR/.test(line))
        .filter((line) => !/msg="(error closing db|failed to run)".*\.wal\.lz4\.tmp: no such file or directory/.test(line));
      expect(errors).toEqual([]);
    } finally {
      engine.child.kill('SIGTERM');
      await engine.child;
    }
    // The replica's newest state (after the restore) has the marker written after it; the snapshot
    // backup predates marker 1, so the restore dropped it, as a restore of that backup should.
    const run = await runCli([...args, 'restore', '--replica', '--db', 'market', '--yes', '--json']);
    expect(summaryOf(run).status, run.stdout).toBe('ok');
    expect(markersIn(dataDir).has(markerOpenTime(2))).toBe(true);
    expect(markersIn(dataDir).has(markerOpenTime(1))).toBe(false);
  }, 120_000);
});

describe('Litestream under the supervisor', () => {
  it('is restarted after kill -9 with backoff, then marked crash-loop; the replication-lag alert fires once replication stops', async () => {
    const dir = tempDir('cfa-repl-');
    const args = engineFixture(dir, 'http://127.0.0.1:9', {
      symbols: ['BTCUSDT'], intervals: ['1h'],
      ...replicaSettings(path.join(dir, 'replica'), { lagWarning: '2s', lagCritical: '1h' }),
      engine: { leaseTtl: '2s', leaseRenewEvery: '300ms', stopGrace: '2s', sampleEvery: '500ms', monitorEvery: '1s' },
      alerts: { for: { 'replication-lag': '0s' } },
    });
    const dataDir = path.join(dir, 'data');
    const engine = startDaemon(args);
    try {
      const pids: number[] = [];
      for (let i = 0; i < 3; i++) {
        await waitUntil(() => {
          const live = liveProcessFromPidFile(pidFilePath(dataDir, 'litestream'));
          return live !== null && !pids.includes(live.pid);
        }, 15_000, 100);
        const live = liveProcessFromPidFile(pidFilePath(dataDir, 'litestream'))!;
        pids.push(live.pid);
        process.kill(-live.pid, 'SIGKILL');
      }
      await engine.waitFor((l) => l.msg === 'replication' && l.state === 'crash-loop', 15_000);
      expect(engine.lines().filter((l) => l.msg === 'replication' && l.state === 'backoff').length).toBeGreaterThanOrEqual(2);
      expect(liveProcessFromPidFile(pidFilePath(dataDir, 'litestream'))).toBeNull();
      // ops.db keeps changing (the lease) and nothing ships it: the lag passes 2 s and the rule fires.
      await waitUntil(async () => {
        const r = await runCli([...args, 'alerts', 'list', '--json']);
        const alerts = (JSON.parse(r.stdout || '{"alerts":[]}').alerts ?? []) as { rule: string; state: string }[];
        return alerts.some((x) => x.rule === 'replication-lag' && x.state === 'firing');
      }, 30_000, 500);
      const health = JSON.parse((await runCli([...args, 'health', '--only', 'replication', '--json'])).stdout);
      // Warning for the lag, or critical when a store never reached the replica before the kills.
      expect(['warn', 'critical']).toContain(health.probes[0].status);
      expect(health.probes[0].detail).toMatch(/Litestream not running/);
    } finally {
      engine.child.kill('SIGTERM');
      await engine.child;
    }
  }, 90_000);
});

/** A port nobody listens on. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('replica credentials', () => {
  it('a password in a replica URL never appears in output, logs, Litestream\'s config or the console\'s data', async () => {
    const CANARY = 'CANARYreplicaPW7731';
    const dir = tempDir('cfa-repl-');
    const port = await closedPort();
    const args = engineFixture(dir, 'http://127.0.0.1:9', {
      symbols: ['BTCUSDT'], intervals: ['1h'],
      replication: { replicas: [{ name: 'local', url: `file://${path.join(dir, 'replica')}` }, { name: 'far', url: `sftp://cfa:${CANARY}@127.0.0.1:${port}/cfa` }] },
      engine: { leaseTtl: '2s', leaseRenewEvery: '300ms', stopGrace: '2s', sampleEvery: '500ms', monitorEvery: '1s' },
    });
    const dataDir = path.join(dir, 'data');
    const outputs: string[] = [];
    const engine = startDaemon(args);
    try {
      await engine.waitFor((l) => l.msg === 'replication' && l.state === 'running');
      // What Litestream was given on disk names an environment variable, not the password.
      const written = readText(path.join(dataDir, 'run', 'litestream.yml'));
      expect(written).toContain('${CFA_REPLICA_2_PASSWORD}');
      outputs.push(written);
      await waitUntil(() => readText(path.join(dataDir, 'logs', 'daemon', 'litestream.log')).includes('far'), 15_000);
      for (const command of [['config', 'show'], ['config', 'show', '--json'], ['config', 'get', 'replication.replicas'], ['health', '--json'], ['health'], ['status', '--json']]) {
        const r = await runCli([...args, ...command]);
        outputs.push(r.stdout, r.stderr);
      }
      const health = await runCli([...args, 'health', '--only', 'replication', '--json']);
      const probe = JSON.parse(health.stdout).probes[0];
      // The sftp replica cannot be reached: said, with its URL masked.
      expect(probe.status).toBe('critical');
      expect(JSON.stringify(probe)).toContain('sftp://cfa:••••••@127.0.0.1');
      outputs.push(health.stdout);
      // A bad value in the section is named without echoing the password.
      const bad = await runCli([...args.slice(0, 2), '--config', writeBadConfig(dir, CANARY), 'config', 'show']);
      expect(bad.exitCode).toBe(2);
      outputs.push(bad.stdout, bad.stderr);
    } finally {
      engine.child.kill('SIGTERM');
      await engine.child;
    }
    outputs.push(engine.lines().map((l) => JSON.stringify(l)).join('\n'));
    for (const f of walk(dataDir).filter((f) => /\.(log|yml|json|pid)$/.test(f))) outputs.push(readText(f));
    for (const [i, text] of outputs.entries()) expect(text.includes(CANARY), `the password appeared in output #${i}:\n${text.slice(0, 2000)}`).toBe(false);
  }, 90_000);
});

function writeBadConfig(dir: string, canary: string): string {
  const file = path.join(dir, 'bad.json');
  fs.writeFileSync(file, JSON.stringify({ replication: { replicas: [{ name: 'Bad Name', url: `sftp://cfa:${canary}@host/x` }] } }));
  return file;
}

function walk(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}
