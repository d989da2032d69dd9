import { execSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach } from 'vitest';

const made: string[] = [];

/** A fresh directory under the OS temp dir, removed after the test. */
export function tempDir(prefix = 'cfa-test-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}

afterEach(() => {
  // A supervised daemon outlives an engine killed with -9 and may write its heartbeat into the dir
  // while it is being removed (ENOTEMPTY, seen once on CI): removal is tried again, and once the
  // dir is gone the daemon's next write fails and it ends.
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 20 });
});

/**
 * Makes an (empty) directory read-only and returns how to undo it. Root ignores permission bits,
 * so as root it mounts a read-only tmpfs there; null when that is not allowed.
 */
export function makeReadOnly(dir: string): (() => void) | null {
  if (process.getuid?.() !== 0) {
    fs.chmodSync(dir, 0o555);
    return () => fs.chmodSync(dir, 0o755);
  }
  try {
    execSync(`mount -t tmpfs -o ro,size=1m tmpfs ${JSON.stringify(dir)}`, { stdio: 'ignore' });
    return () => execSync(`umount ${JSON.stringify(dir)}`, { stdio: 'ignore' });
  } catch {
    return null;
  }
}
