import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import which from 'which';
import { isExecutableFile } from '../engine/executable.js';
import type { TierSettings } from './tiers.js';

/**
 * The offsite tier through rclone, which speaks to S3, GCS, SFTP, B2 and the rest with the
 * operator's own remote definitions (rclone.conf or RCLONE_CONFIG_* variables); we only run it.
 */
export interface Rclone {
  bin: string;
  /** The operator's flags (storage class and the like), passed to every call. */
  flags: string[];
  immutable: boolean;
  timeoutMs: number;
}

export type RcloneLookup = { ok: true; rclone: Rclone } | { ok: false; reason: string };

/** rclone as configured (a name on PATH or a path), or why the offsite tier cannot run. */
export function findRclone(offsite: NonNullable<TierSettings['offsite']>): RcloneLookup {
  const configured = offsite.rclone;
  const bin = configured.includes('/')
    ? (isExecutableFile(path.resolve(configured)) ? path.resolve(configured) : null)
    : which.sync(configured, { nothrow: true });
  if (!bin) {
    return {
      ok: false,
      reason: `rclone not found (${configured.includes('/') ? `backup.rclone = ${JSON.stringify(configured)} is not an executable file` : `${JSON.stringify(configured)} is not on PATH`}): install it (apt-get install rclone) or set backup.rclone to its path`,
    };
  }
  return { ok: true, rclone: { bin, flags: offsite.flags, immutable: offsite.immutable, timeoutMs: offsite.timeoutMs } };
}

/** `remote:dir` + name, also for a bare remote root (`remote:`). */
export function remotePath(remote: string, name: string): string {
  return remote.endsWith(':') || remote.endsWith('/') ? `${remote}${name}` : `${remote}/${name}`;
}

export class RcloneError extends Error {
  constructor(message: string, readonly exitCode: number | undefined) {
    super(message);
  }
}

async function run(rclone: Rclone, args: string[]): Promise<string> {
  const result = await execa(rclone.bin, [...args, ...rclone.flags, '--quiet'], {
    reject: false, timeout: rclone.timeoutMs, stdin: 'ignore', forceKillAfterDelay: 5000,
  });
  if (result.exitCode === 0 && !result.timedOut) return String(result.stdout);
  const stderr = String(result.stderr ?? '').trim().split('\n').slice(-3).join(' | ');
  const what = result.timedOut ? `timed out after ${rclone.timeoutMs} ms` : `exit ${result.exitCode ?? result.signal}`;
  throw new RcloneError(`rclone ${args[0]} failed (${what})${stderr ? `: ${stderr}` : ''}`, result.exitCode);
}

export async function upload(rclone: Rclone, localFile: string, remoteFilePath: string): Promise<void> {
  await run(rclone, ['copyto', localFile, remoteFilePath, ...(rclone.immutable ? ['--immutable'] : [])]);
}

export async function download(rclone: Rclone, remoteFilePath: string, localFile: string): Promise<void> {
  await run(rclone, ['copyto', remoteFilePath, localFile]);
}

export async function deleteRemote(rclone: Rclone, remoteFilePath: string): Promise<void> {
  await run(rclone, ['deletefile', remoteFilePath]);
}

export type RemoteFile =
  | { kind: 'ok'; size: number; sha256: string | null; md5: string | null }
  | { kind: 'missing' }
  | { kind: 'error'; message: string };

/** Size and hashes as the remote reports them (computed by the remote where it can, e.g. S3's MD5). */
export async function remoteFile(rclone: Rclone, remoteFilePath: string): Promise<RemoteFile> {
  let out: string;
  try {
    out = await run(rclone, ['lsjson', '--hash', '--hash-type', 'sha256', '--hash-type', 'md5', '--files-only', remoteFilePath]);
  } catch (error) {
    // 3: directory not found, 4: file not found.
    if (error instanceof RcloneError && (error.exitCode === 3 || error.exitCode === 4)) return { kind: 'missing' };
    return { kind: 'error', message: (error as Error).message };
  }
  let entries: { Size?: number; Hashes?: Record<string, string> }[];
  try {
    entries = JSON.parse(out) as typeof entries;
  } catch {
    return { kind: 'error', message: `rclone lsjson printed something that is not JSON: ${out.slice(0, 200)}` };
  }
  const entry = entries[0];
  if (!entry) return { kind: 'missing' };
  return { kind: 'ok', size: entry.Size ?? -1, sha256: entry.Hashes?.sha256?.toLowerCase() ?? null, md5: entry.Hashes?.md5?.toLowerCase() ?? null };
}
