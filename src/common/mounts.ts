/**
 * Small mounts for the drills and the tests that need a real full disk or a read-only target:
 * a tmpfs of a given size, a read-only bind of a directory over itself (Linux, as root only:
 * each returns null, never throws, when it cannot, so the caller can say why it skips), and a
 * file that fills its file system.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** Why a mount cannot be made here, or null when it can be tried (root on Linux). */
export function cannotMount(): string | null {
  if (process.platform !== 'linux') return `mounts are made on Linux only (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return `mounting needs root (this process runs as uid ${process.getuid?.() ?? '?'})`;
  return null;
}

function mount(args: string[]): boolean {
  try {
    execFileSync('mount', args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Unmounts `dir` (lazily: a process still holding a file there does not block it). */
export function unmount(dir: string): void {
  try { execFileSync('umount', ['-l', dir], { stdio: 'ignore' }); } catch { /* not mounted any more */ }
}

/** Mounts a tmpfs of `size` (e.g. "6m") on `dir`; returns its unmount, or null when not root or the mount is refused. */
export function mountTmpfs(dir: string, size: string): (() => void) | null {
  if (cannotMount()) return null;
  fs.mkdirSync(dir, { recursive: true });
  return mount(['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]) ? () => unmount(dir) : null;
}

/** Makes `dir` read-only for everyone, root included (a read-only bind over itself); returns its undo, or null. */
export function bindReadOnly(dir: string): (() => void) | null {
  if (cannotMount()) return null;
  if (!mount(['--bind', dir, dir])) return null;
  if (!mount(['-o', 'remount,bind,ro', dir])) {
    unmount(dir);
    return null;
  }
  return () => unmount(dir);
}

/** The mount points at or under `dir` (from /proc/self/mounts), deepest first. */
export function mountsUnder(dir: string): string[] {
  let table: string;
  try { table = fs.readFileSync('/proc/self/mounts', 'utf8'); } catch { return []; }
  const root = path.resolve(dir);
  // Fields are space-separated with spaces in paths written as \040.
  const points = table.split('\n').map((line) => line.split(' ')[1]).filter((p): p is string => Boolean(p))
    .map((p) => p.replace(/\\(\d{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))))
    .filter((p) => p === root || p.startsWith(`${root}/`));
  return [...new Set(points)].sort((a, b) => b.length - a.length);
}

/** Writes `file` until its file system is full (ENOSPC); returns its size. */
export function fillUntilFull(file: string): number {
  const fd = fs.openSync(file, 'w');
  try {
    const chunk = Buffer.alloc(256 * 1024, 1);
    for (;;) fs.writeSync(fd, chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    fs.closeSync(fd);
  }
  return fs.statSync(file).size;
}
