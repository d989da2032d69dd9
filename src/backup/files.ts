import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { currentProcess, isAlive } from '../engine/process-identity.js';

/**
 * File plumbing shared by backup, restore and the drill: names, temp files that say who made
 * them, fsync of files and directories, hashing.
 */

/**
 * `market-20260701T020000123Z-3fa9c1.db` (a pg_dump: `.dump`): sortable by time, unique;
 * informational only (the catalog is the truth).
 */
export function backupFileName(createdAt: number, extension: 'db' | 'dump' = 'db'): string {
  const stamp = new Date(createdAt).toISOString().replace(/[-:]/g, '').replace('.', '');
  return `market-${stamp}-${randomBytes(3).toString('hex')}.${extension}`;
}

const TEMP_PREFIX = '.tmp-';
const TEMP_PATTERN = /^\.tmp-(\d+)-(\d+|x)-/;

/**
 * A temp name that carries the PID and start ticks of its maker, so a later run can tell the
 * leftovers of a killed process (removable) from the work of a live one (left alone).
 */
export function tempPathFor(dir: string, finalName: string): string {
  const me = currentProcess();
  return path.join(dir, `${TEMP_PREFIX}${me.pid}-${me.startTicks ?? 'x'}-${finalName}`);
}

export function isTempName(name: string): boolean {
  return name.startsWith(TEMP_PREFIX);
}

/** SQLite's side files next to a database file (a backup destination writes a rollback journal). */
export function withSideFiles(file: string): string[] {
  return [file, `${file}-journal`, `${file}-wal`, `${file}-shm`];
}

export function removeWithSideFiles(file: string): void {
  for (const f of withSideFiles(file)) fs.rmSync(f, { force: true });
}

/**
 * Removes temp files in `dir` left by processes that no longer run (a backup killed with -9 cannot
 * clean up after itself; the next run does). Returns the names removed.
 */
export function removeStaleTemps(dir: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const m = TEMP_PATTERN.exec(name);
    if (!m) continue;
    const owner = { pid: Number(m[1]), startTicks: m[2] === 'x' ? null : Number(m[2]) };
    if (owner.pid === process.pid || isAlive(owner)) continue;
    try {
      fs.rmSync(path.join(dir, name), { force: true });
      removed.push(name);
    } catch {
      // Not ours to fight over: reported again next time.
    }
  }
  return removed;
}

export function fsyncFile(file: string): void {
  const fd = fs.openSync(file, 'r+');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Makes a rename or unlink in `dir` durable. */
export function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // Some file systems refuse fsync on a directory; the data itself is already synced.
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

const CHUNK = 8 * 1024 * 1024;

/**
 * Copies `source` to `dest` (a new file) and fsyncs it, hashing the bytes on the way: one read
 * of the source instead of a copy and a second pass to hash. The caller compares the hash with
 * the catalog's, which proves the bytes written are the verified ones.
 */
export function copyWithHashes(source: string, dest: string): FileHashes {
  const sha = createHash('sha256');
  const buffer = Buffer.allocUnsafe(CHUNK);
  let size = 0;
  const input = fs.openSync(source, 'r');
  try {
    const output = fs.openSync(dest, 'wx');
    try {
      for (;;) {
        const n = fs.readSync(input, buffer, 0, CHUNK, null);
        if (n === 0) break;
        const chunk = buffer.subarray(0, n);
        sha.update(chunk);
        for (let written = 0; written < n;) written += fs.writeSync(output, chunk, written, n - written);
        size += n;
      }
      fs.fsyncSync(output);
    } finally {
      fs.closeSync(output);
    }
  } catch (error) {
    fs.rmSync(dest, { force: true });
    throw error;
  } finally {
    fs.closeSync(input);
  }
  return { sha256: sha.digest('hex'), md5: null, size };
}

/** Renames into place and makes the rename durable. */
export function publish(temp: string, dest: string): void {
  fs.renameSync(temp, dest);
  fsyncDir(path.dirname(dest));
}

export interface FileHashes {
  sha256: string;
  /** Only when asked for: it costs as much again as the SHA-256. */
  md5: string | null;
  size: number;
}

/**
 * The hashing thread's code: plain Node, no native module, so it runs wherever Node runs. It reads
 * the file in 4 MB chunks and answers with the hashes, or with the error's message and code.
 */
const HASH_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const fs = require('node:fs');
try {
  const sha = createHash('sha256');
  const md5 = workerData.md5 ? createHash('md5') : null;
  const buffer = Buffer.allocUnsafe(4 * 1024 * 1024);
  const fd = fs.openSync(workerData.file, 'r');
  let size = 0;
  try {
    for (;;) {
      const n = fs.readSync(fd, buffer, 0, buffer.length, null);
      if (n === 0) break;
      const chunk = buffer.subarray(0, n);
      sha.update(chunk);
      if (md5) md5.update(chunk);
      size += n;
    }
  } finally {
    fs.closeSync(fd);
  }
  parentPort.postMessage({ ok: true, hashes: { sha256: sha.digest('hex'), md5: md5 ? md5.digest('hex') : null, size } });
} catch (error) {
  parentPort.postMessage({ ok: false, message: String(error && error.message || error), code: error && error.code });
}
`;

type HashReply = { ok: true; hashes: FileHashes } | { ok: false; message: string; code?: string };

/**
 * SHA-256 (the catalog's identity) and, with `md5`, MD5 as well in the same read (for remotes
 * that report only MD5, such as S3; only needed when an offsite tier is configured).
 *
 * The hashing runs on a worker thread: a backup hashes its snapshot while this thread runs the
 * integrity check (synchronous SQLite) on the same file, and a console or leader that verifies a
 * copy keeps answering meanwhile.
 */
export function hashFile(file: string, options: { md5?: boolean } = {}): Promise<FileHashes> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(HASH_WORKER, { eval: true, workerData: { file, md5: options.md5 ?? false } });
    let settled = false;
    worker.once('message', (reply: HashReply) => {
      settled = true;
      if (reply.ok) resolve(reply.hashes);
      else reject(Object.assign(new Error(reply.message), reply.code ? { code: reply.code } : {}));
    });
    worker.once('error', (error) => { settled = true; reject(error); });
    worker.once('exit', (code) => {
      if (!settled) reject(new Error(`the hashing thread for ${file} stopped with exit code ${code} before it answered`));
    });
  });
}

export function errorCode(error: unknown): string | undefined {
  return (error as { code?: string } | null | undefined)?.code;
}

/** A failure in words an on-call engineer acts on: disk full is said plainly. */
export function describeFailure(error: unknown): string {
  const code = errorCode(error);
  const message = (error as Error)?.message ?? String(error);
  if (code === 'ENOSPC' || code === 'SQLITE_FULL') return `no space left on device (${code}): ${message}`;
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') return `not writable (${code}): ${message}`;
  return code && !message.includes(code) ? `${message} (${code})` : message;
}
