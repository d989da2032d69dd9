import { spawn } from 'node:child_process';
import { once } from 'node:events';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireLock, LockHeldError, lockHolder } from '../../src/engine/job-lock.js';
import { processStartTicks } from '../../src/engine/process-identity.js';
import { openOpsDb } from '../../src/store/ops-db.js';
import { sqliteDriverFile } from '../../src/store/sqlite-driver.js';
import { tempDir } from '../helpers/temp-dir.js';

/** A real other process that takes the lock through better-sqlite3 and then waits to be killed. */
async function holdLockInChild(dataDir: string) {
  const script = `
    const Database = require(${JSON.stringify(sqliteDriverFile)});
    const fs = require('fs');
    const stat = fs.readFileSync('/proc/' + process.pid + '/stat', 'utf8');
    const ticks = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
    const db = new Database(${JSON.stringify(path.join(dataDir, 'ops.db'))});
    db.prepare('INSERT INTO locks (name, pid, start_ticks, host, acquired_at) VALUES (?, ?, ?, ?, ?)')
      .run('sync', process.pid, ticks, require('os').hostname(), Date.now());
    process.stdout.write('locked\\n');
    setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['-e', script], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'inherit'] });
  await once(child.stdout!, 'data');
  return child;
}

describe('acquireLock', () => {
  it('refuses while a live process holds the lock, naming its PID, and takes over after kill -9', async () => {
    const dir = tempDir();
    const db = openOpsDb(dir);
    const child = await holdLockInChild(dir);
    try {
      let held: unknown;
      try { acquireLock(db, 'sync'); } catch (error) { held = error; }
      expect(held).toBeInstanceOf(LockHeldError);
      expect((held as LockHeldError).holder.pid).toBe(child.pid);
      expect((held as Error).message).toContain(`PID ${child.pid}`);
    } finally {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
    const release = acquireLock(db, 'sync');
    expect(lockHolder(db, 'sync')?.pid).toBe(process.pid);
    release();
    expect(lockHolder(db, 'sync')).toBeNull();
    db.close();
  });

  it('does not trust a recycled PID: same PID, other start time is a dead holder', () => {
    const dir = tempDir();
    const db = openOpsDb(dir);
    const myTicks = processStartTicks(process.pid)!;
    // Our own PID with a start time that is not ours stands for an earlier process that died.
    db.prepare('INSERT INTO locks (name, pid, start_ticks, host, acquired_at) VALUES (?, ?, ?, ?, ?)')
      .run('sync', process.pid, myTicks - 1, os.hostname(), 1);
    const release = acquireLock(db, 'sync', { pid: 999_999_0, startTicks: 5 });
    expect(lockHolder(db, 'sync')?.pid).toBe(999_999_0);
    release();
    db.close();
  });
});
