import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { currentProcess } from '../../../src/engine/process-identity.js';
import { mountsUnder, mountTmpfs } from '../../../src/common/mounts.js';
import { cleanLeftovers, orphansOf, SANDBOX_PREFIX } from '../../../src/runbook/drill/sandbox.js';
import { pidAlive } from '../../helpers/daemon.js';
import { tempDir } from '../../helpers/temp-dir.js';

function sandbox(root: string, name: string, owner: object | null): string {
  const dir = path.join(root, `${SANDBOX_PREFIX}${name}`);
  fs.mkdirSync(path.join(dir, 'data'), { recursive: true });
  if (owner) fs.writeFileSync(path.join(dir, 'drill-owner.json'), JSON.stringify(owner));
  return dir;
}

describe('cleanLeftovers', () => {
  it('removes the sandboxes of drills that are gone (stopping the processes that name them), keeps a live drill\'s and other directories', async () => {
    const root = tempDir('cfa-drill-clean-');
    const live = sandbox(root, 'live', { drill: currentProcess(), createdAt: Date.now() });
    // A PID that is surely not this drill: a child that has exited.
    const gone = spawn(process.execPath, ['-e', '']);
    await new Promise((r) => gone.on('exit', r));
    const dead = sandbox(root, 'dead', { drill: { pid: gone.pid, startTicks: 1 }, createdAt: Date.now() });
    const recycled = sandbox(root, 'recycled', { drill: { pid: process.pid, startTicks: -1 }, createdAt: Date.now() });
    const fresh = sandbox(root, 'no-owner-yet', null);
    const other = path.join(root, 'cfa-test-keep');
    fs.mkdirSync(other);
    // An orphan of the dead drill: a process whose command line names its sandbox.
    const orphan = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', path.join(dead, 'data')], { stdio: 'ignore' });

    const removed = await cleanLeftovers(root);
    expect(removed.sort()).toEqual([dead, recycled].sort());
    expect(fs.existsSync(live)).toBe(true);
    expect(fs.existsSync(fresh)).toBe(true);
    expect(fs.existsSync(other)).toBe(true);
    expect(fs.existsSync(dead)).toBe(false);
    await new Promise((r) => setTimeout(r, 100));
    expect(pidAlive(orphan.pid!)).toBe(false);
  });

  it('stops the engine of a sandbox deleted from outside while it ran (its command line names a path that is gone), and nothing else', async () => {
    const root = tempDir('cfa-drill-orphan-');
    const deleted = sandbox(root, 'deleted', { drill: currentProcess(), createdAt: Date.now() });
    const live = sandbox(root, 'live', { drill: currentProcess(), createdAt: Date.now() });
    const forever = ['-e', 'setInterval(() => {}, 1000)', '--'];
    const orphan = spawn(process.execPath, [...forever, '--data-dir', path.join(deleted, 'data')], { stdio: 'ignore' });
    const kept = spawn(process.execPath, [...forever, '--data-dir', path.join(live, 'data')], { stdio: 'ignore' });
    const unrelated = spawn(process.execPath, [...forever, path.join(root, 'cfa-test-keep', 'data')], { stdio: 'ignore' });
    try {
      fs.rmSync(deleted, { recursive: true, force: true });
      await new Promise((r) => setTimeout(r, 200));
      expect(orphansOf(root)).toEqual([orphan.pid]);

      expect(await cleanLeftovers(root)).toEqual([]);
      await new Promise((r) => setTimeout(r, 100));
      expect(pidAlive(orphan.pid!)).toBe(false);
      expect(pidAlive(kept.pid!)).toBe(true);
      expect(pidAlive(unrelated.pid!)).toBe(true);
      expect(fs.existsSync(live)).toBe(true);
    } finally {
      for (const c of [orphan, kept, unrelated]) c.kill('SIGKILL');
    }
  });

  it('unmounts the small disk of a leftover sandbox before removing it', async (ctx) => {
    const root = tempDir('cfa-drill-mount-');
    const gone = spawn(process.execPath, ['-e', '']);
    await new Promise((r) => gone.on('exit', r));
    const dead = sandbox(root, 'dead-disk', { drill: { pid: gone.pid, startTicks: 1 }, createdAt: Date.now() });
    const unmount = mountTmpfs(path.join(dead, 'data'), '1m');
    if (!unmount) return ctx.skip('a tmpfs cannot be mounted here (not root, or the container refuses it)');
    try {
      fs.writeFileSync(path.join(dead, 'data', 'market.db'), 'x');
      expect(mountsUnder(dead)).toEqual([path.join(dead, 'data')]);
      expect(await cleanLeftovers(root)).toEqual([dead]);
      expect(mountsUnder(dead)).toEqual([]);
      expect(fs.existsSync(dead)).toBe(false);
    } finally {
      if (mountsUnder(dead).length) unmount();
    }
  });
});
