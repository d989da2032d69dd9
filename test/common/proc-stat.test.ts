import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { listProcStats, parseProcStat, readProcStat } from '../../src/common/proc-stat.js';
import { processGroupAlive, processGroupOf, processStartTicks } from '../../src/engine/process-identity.js';
import { processStateLetter } from '../../src/engine/supervisor/pid-file.js';

// A real line of /proc/<pid>/stat, with a command name holding spaces and parentheses.
const LINE = '4242 (my (odd) name) S 1 4240 4240 0 -1 4194560 100 0 0 0 250 75 0 0 20 0 1 0 987654 1000 10 18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 0 17 1 0 0 0 0 0\n';

describe('parseProcStat', () => {
  it('reads the fields after the last parenthesis', () => {
    expect(parseProcStat(LINE)).toEqual({ pid: 4242, comm: 'my (odd) name', state: 'S', ppid: 1, pgrp: 4240, utime: 250, stime: 75, startTicks: 987654 });
  });

  it('is null for text that is not a stat line', () => {
    expect(parseProcStat('')).toBeNull();
    expect(parseProcStat('garbage')).toBeNull();
    expect(parseProcStat('12 (x) S 1 2')).toBeNull();
  });
});

describe.runIf(process.platform === 'linux')('reading /proc', () => {
  it('reads a real child: its group, start time and state, and nothing once it is gone', async () => {
    const child = spawn('sleep', ['30'], { detached: true, stdio: 'ignore' });
    try {
      const pid = child.pid!;
      const stat = readProcStat(pid)!;
      expect(stat).toMatchObject({ pid, ppid: process.pid, pgrp: pid });
      expect(processGroupOf(pid)).toBe(pid);
      expect(processStartTicks(pid)).toBe(stat.startTicks);
      expect(processStartTicks(pid)).toBeGreaterThanOrEqual(processStartTicks(process.pid)!);
      expect(processGroupAlive(pid)).toBe(true);
      expect(listProcStats()!.map((p) => p.pid)).toContain(pid);
      expect(processStateLetter(pid)).toMatch(/^[RSD]$/);
    } finally {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
    expect(readProcStat(child.pid!)).toBeNull();
    expect(processGroupAlive(child.pid!)).toBe(false);
  });

  it('does not count a zombie as alive', async () => {
    // A child that is killed but not yet reaped: node reaps on exit, so hold it with a shell
    // whose own child dies while the shell sleeps without waiting.
    const shell = spawn('sh', ['-c', 'sleep 30 & echo $!; exec sleep 30'], { detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      const [chunk] = await once(shell.stdout!, 'data');
      const inner = Number(String(chunk).trim());
      process.kill(inner, 'SIGKILL');
      for (let i = 0; i < 200 && processStateLetter(inner) !== 'Z'; i++) await new Promise((r) => setTimeout(r, 10));
      expect(processStateLetter(inner)).toBe('Z');
      // The group still has the sleeping shell; the zombie alone would not keep it alive.
      expect(processGroupAlive(shell.pid!)).toBe(true);
      expect(listProcStats()!.filter((p) => p.pgrp === shell.pid && p.state !== 'Z').map((p) => p.pid)).toEqual([shell.pid]);
    } finally {
      process.kill(-shell.pid!, 'SIGKILL');
      await once(shell, 'exit');
    }
  });
});
