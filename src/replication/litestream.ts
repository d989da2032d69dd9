import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { ConfigError } from '../config/config-error.js';
import { redactUrlPasswords } from '../config/redact.js';
import type { Config } from '../config/schema.js';
import { MARKET_DB_FILE } from '../store/market-db.js';
import { OPS_DB_FILE } from '../store/ops-db.js';

/** The two stores Litestream replicates, by the names `--db` takes. */
export const STORES = ['market', 'ops'] as const;
export type StoreName = (typeof STORES)[number];
export const STORE_FILES: Record<StoreName, string> = { market: MARKET_DB_FILE, ops: OPS_DB_FILE };

/** The supervised process's name: run/litestream.pid, logs/daemon/litestream.log, daemon_state. */
export const LITESTREAM_DAEMON = 'litestream';
/** The config the leader's Litestream runs with (mode 0600, no literal password in it). */
export const LITESTREAM_CONFIG_FILE = path.join('run', 'litestream.yml');

export type ReplicationConfig = Config['replication'];

export interface Replica {
  name: string;
  /** As configured; may hold a password: never print it, use `shownUrl`. */
  url: string;
  /** The URL with any password masked: safe for output, logs and the console. */
  shownUrl: string;
}

/** The configured replicas with their names (given, else the URL's scheme, made unique). */
export function replicasOf(replication: ReplicationConfig): Replica[] {
  const seen = new Map<string, number>();
  return replication.replicas.map((r) => {
    const url = typeof r === 'string' ? r : r.url;
    const base = (typeof r === 'string' ? undefined : r.name) ?? (/^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase() ?? 'replica');
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return { name: n === 1 ? base : `${base}-${n}`, url, shownUrl: redactUrlPasswords(url) };
  });
}

export function replicationEnabled(config: Pick<Config, 'replication'>): boolean {
  return config.replication.replicas.length > 0;
}

/**
 * The Litestream binary: `replication.litestream` when set, else the one in the npm package
 * `@flydotio/litestream-<platform>-<arch>` (an optional dependency: linux-x64, the platform the
 * project runs on; the registry this project installs from has no other). Nothing is downloaded.
 */
export function resolveLitestreamBinary(replication: ReplicationConfig): string {
  if (replication.litestream) return replication.litestream;
  const pkg = `@flydotio/litestream-${process.platform}-${process.arch}`;
  try {
    const require = createRequire(import.meta.url);
    const file = path.join(path.dirname(require.resolve(`${pkg}/package.json`)), 'litestream');
    fs.accessSync(file, fs.constants.X_OK);
    return file;
  } catch {
    throw new ConfigError(`no Litestream binary for ${process.platform}-${process.arch}: the package ${pkg} is not installed (the project depends on the linux-x64 one); ` +
      'set replication.litestream to the path of a litestream v0.3 binary');
  }
}

/** Where store `store` of the data dir goes on a replica: `<url>/market`, `<url>/ops`. */
export function storeReplicaUrl(url: string, store: StoreName): string {
  const q = url.search(/[?#]/);
  const [base, rest] = q >= 0 ? [url.slice(0, q), url.slice(q)] : [url, ''];
  return `${base.replace(/\/+$/, '')}/${store}${rest}`;
}

export interface LitestreamSetup {
  /** The config as Litestream reads it (JSON is YAML). */
  document: { dbs: unknown[] };
  /** Environment for the Litestream process: the passwords the URLs in the file refer to. */
  env: Record<string, string>;
}

const URL_USERINFO = /^([a-z][a-z0-9+.-]*:\/\/[^/\s:@]*:)([^@\s/]+)(@.*)$/i;

/**
 * Litestream's config for both stores of `dataDir`. A password written in a replica URL is
 * replaced by `${CFA_REPLICA_<n>_PASSWORD}` (Litestream expands environment variables in its
 * config) and handed over in `env`, so the file on disk never holds it.
 */
export function litestreamSetup(dataDir: string, replication: ReplicationConfig): LitestreamSetup {
  const env: Record<string, string> = {};
  const replicas = replicasOf(replication).map((r, i) => {
    const m = URL_USERINFO.exec(r.url);
    let url = r.url;
    if (m && !/^\$\{?[A-Z_][A-Z0-9_]*\}?$/i.test(m[2]!)) {
      const variable = `CFA_REPLICA_${i + 1}_PASSWORD`;
      env[variable] = decodeURIComponent(m[2]!);
      url = `${m[1]}\${${variable}}${m[3]}`;
    }
    return { name: r.name, url };
  });
  const dir = path.resolve(dataDir);
  return {
    env,
    document: {
      dbs: STORES.map((store) => ({
        path: path.join(dir, STORE_FILES[store]),
        replicas: replicas.map((r) => ({
          name: r.name,
          url: storeReplicaUrl(r.url, store),
          'sync-interval': replication.syncInterval,
          'snapshot-interval': replication.snapshotInterval,
          retention: replication.retention,
        })),
      })),
    },
  };
}

/** Writes `file` (0600, atomically) and returns the environment Litestream needs with it. */
export function writeLitestreamConfig(dataDir: string, replication: ReplicationConfig, file = path.join(dataDir, LITESTREAM_CONFIG_FILE)): { file: string; env: Record<string, string> } {
  const setup = litestreamSetup(dataDir, replication);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temp, `${JSON.stringify(setup.document, null, 2)}\n`, { mode: 0o600 });
  fs.renameSync(temp, file);
  return { file: path.resolve(file), env: setup.env };
}

/** The argv of `litestream replicate` for the supervisor. */
export function replicateCommand(binary: string, configFile: string): string[] {
  return [binary, 'replicate', '-config', configFile];
}

export interface LitestreamResult {
  ok: boolean;
  stdout: string;
  /** Redacted: passwords in URLs masked. */
  stderr: string;
  exitCode: number | null;
}

/** Runs one Litestream CLI command against our config; output comes back with passwords masked. */
export async function runLitestream(dataDir: string, replication: ReplicationConfig, args: string[], timeoutMs = 60_000): Promise<LitestreamResult> {
  const binary = resolveLitestreamBinary(replication);
  // A private copy of the config: the leader may be rewriting its own at the same moment.
  const file = path.join(dataDir, 'run', `litestream-cli.${process.pid}.yml`);
  const { env } = writeLitestreamConfig(dataDir, replication, file);
  try {
    const [command, ...rest] = args;
    // Loaded here: `health` imports this module for the config writer, and execa costs about 0.1 s to load.
    const { execa } = await import('execa');
    const r = await execa(binary, [command!, '-config', file, ...rest], { env, extendEnv: true, reject: false, timeout: timeoutMs, stdin: 'ignore' });
    const stdout = String(r.stdout ?? '');
    const stderr = String(r.stderr ?? r.message ?? '');
    // Listing commands exit 0 on a replica they cannot reach; the ERROR line says it.
    const errorLine = `${stderr}\n${stdout}`.split('\n').find((l) => l.includes('level=ERROR'));
    return {
      ok: r.exitCode === 0 && !errorLine,
      stdout: redactUrlPasswords(stdout),
      stderr: redactUrlPasswords(errorLine ? describeLogLine(errorLine) : stderr),
      exitCode: r.exitCode ?? null,
    };
  } catch (error) {
    return { ok: false, stdout: '', stderr: redactUrlPasswords((error as Error).message), exitCode: null };
  } finally {
    fs.rmSync(file, { force: true });
  }
}

/** The rows of a Litestream table (a header line, then whitespace-separated columns). */
export function parseTable(text: string): Record<string, string>[] {
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  const header = lines.shift()?.split(/\s+/) ?? [];
  return lines.map((l) => {
    const cells = l.split(/\s+/);
    return Object.fromEntries(header.map((h, i) => [h, cells[i] ?? '']));
  });
}

export interface GenerationInfo {
  replica: string;
  generation: string;
  start: number;
  /** When the newest snapshot or WAL segment of the generation was written (second precision). */
  end: number;
}

export interface SnapshotInfo {
  replica: string;
  generation: string;
  index: number;
  size: number;
  createdAt: number;
}

function dbPath(dataDir: string, store: StoreName): string {
  return path.join(path.resolve(dataDir), STORE_FILES[store]);
}

/**
 * What each replica holds of `store`, per generation: `litestream generations` while the store
 * exists; without it (that command needs the local file) from the snapshot and WAL listings.
 * Throws with Litestream's words when the replica cannot be read.
 */
export async function listGenerations(dataDir: string, replication: ReplicationConfig, store: StoreName, replica?: string): Promise<GenerationInfo[]> {
  const pick = replica ? ['-replica', replica] : [];
  if (!fs.existsSync(dbPath(dataDir, store))) {
    const spans = new Map<string, GenerationInfo>();
    for (const command of ['snapshots', 'wal']) {
      const r = await runLitestream(dataDir, replication, [command, ...pick, dbPath(dataDir, store)]);
      if (!r.ok) throw new Error(`litestream ${command} ${store}: ${failure(r)}`);
      for (const row of parseTable(r.stdout)) {
        const at = Date.parse(row.created ?? '');
        if (!row.generation || !Number.isFinite(at)) continue;
        const key = `${row.replica}/${row.generation}`;
        const g = spans.get(key) ?? { replica: row.replica ?? '', generation: row.generation, start: at, end: at };
        spans.set(key, { ...g, start: Math.min(g.start, at), end: Math.max(g.end, at) });
      }
    }
    return [...spans.values()];
  }
  const r = await runLitestream(dataDir, replication, ['generations', ...pick, dbPath(dataDir, store)]);
  if (!r.ok) throw new Error(`litestream generations ${store}: ${failure(r)}`);
  return parseTable(r.stdout).map((row) => ({
    replica: row.name ?? '', generation: row.generation ?? '', start: Date.parse(row.start ?? ''), end: Date.parse(row.end ?? ''),
  })).filter((g) => g.generation && Number.isFinite(g.end));
}

function failure(r: LitestreamResult): string {
  return lastLine(r.stderr) || lastLine(r.stdout) || `exit ${r.exitCode}`;
}

/** `litestream snapshots`: the snapshots of `store` on the replicas. */
export async function listSnapshots(dataDir: string, replication: ReplicationConfig, store: StoreName, replica?: string): Promise<SnapshotInfo[]> {
  const r = await runLitestream(dataDir, replication, ['snapshots', ...(replica ? ['-replica', replica] : []), dbPath(dataDir, store)]);
  if (!r.ok) throw new Error(`litestream snapshots ${store}: ${failure(r)}`);
  return parseTable(r.stdout).map((row) => ({
    replica: row.replica ?? '', generation: row.generation ?? '', index: Number(row.index), size: Number(row.size), createdAt: Date.parse(row.created ?? ''),
  })).filter((s) => s.generation && Number.isFinite(s.createdAt));
}

/** `time=… level=ERROR msg="cannot list generations" … error="dial tcp …"` as `cannot list generations: dial tcp …`. */
export function describeLogLine(line: string): string {
  const msg = /msg="([^"]*)"|msg=(\S+)/.exec(line);
  const error = /error="((?:[^"\\]|\\.)*)"|error=(\S+)/.exec(line);
  const text = [msg?.[1] ?? msg?.[2], error?.[1] ?? error?.[2]].filter(Boolean).join(': ');
  return text || line;
}

export function lastLine(text: string): string {
  return text.trim().split('\n').filter(Boolean).at(-1)?.replace(/^time=\S+ level=\S+ msg=/, '') ?? '';
}

/**
 * `litestream restore` of `store` into `output` (which must not exist): the newest state, or
 * the state at `at` (epoch ms; Litestream takes the newest WAL segment written at or before it).
 */
export async function restoreStoreTo(options: {
  dataDir: string; replication: ReplicationConfig; store: StoreName; output: string; replica?: string; at?: number; timeoutMs?: number;
}): Promise<void> {
  const { dataDir, replication, store, output } = options;
  fs.rmSync(output, { force: true });
  const args = ['restore', '-o', output,
    ...(options.replica ? ['-replica', options.replica] : []),
    ...(options.at !== undefined ? ['-timestamp', new Date(options.at).toISOString()] : []),
    dbPath(dataDir, store)];
  const r = await runLitestream(dataDir, replication, args, options.timeoutMs ?? 30 * 60_000);
  if (r.exitCode !== 0 || !fs.existsSync(output)) {
    throw new Error(`litestream could not restore ${STORE_FILES[store]}${options.replica ? ` from replica ${options.replica}` : ''}` +
      `${options.at !== undefined ? ` as of ${new Date(options.at).toISOString()}` : ''}: ${failure(r)}`);
  }
  for (const f of [`${output}.tmp-wal`, `${output}.tmp-shm`]) fs.rmSync(f, { force: true });
}

/** Litestream's local state of a store (`.market.db-litestream`): moved away to start a new generation. */
export function litestreamMetaDir(dataDir: string, store: StoreName): string {
  return path.join(dataDir, `.${STORE_FILES[store]}-litestream`);
}
