import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { processStartTicks } from '../../../src/engine/process-identity.js';
import {
  isRunning, liveProcessFromPidFile, pidFilePath, readPidFile, removePidFile, writePidFile,
} from '../../../src/engine/supervisor/pid-file.js';
import { tempDir } from '../../helpers/temp-dir.js';

describe('PID file', () => {
  it('round-trips the record as JSON in run/<name>.pid, leaving no temp file', () => {
    const dir = tempDir();
    const file = pidFilePath(dir, 'backtest');
    expect(file).toBe(path.join(dir, 'run', 'backtest.pid'));
    const record = { pid: process.pid, startTicks: processStartTicks(process.pid), startedAt: 123, command: ['node', 'x.js'] };
    writePidFile(file, record);
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual(record);
    expect(readPidFile(file)).toEqual(record);
    expect(fs.readdirSync(path.dirname(file))).toEqual(['backtest.pid']);
  });

  it('reads a missing or garbled file as no record', () => {
    const dir = tempDir();
    const file = pidFilePath(dir, 'backtest');
    expect(readPidFile(file)).toBeNull();
    fs.mkdirSync(path.dirname(file), { recursive: true });
    for (const text of ['', '{"pid":', '12345', '{"pid":"12"}', '{"pid":-1}', 'null']) {
      fs.writeFileSync(file, text);
      expect(readPidFile(file), text).toBeNull();
      expect(liveProcessFromPidFile(file), text).toBeNull();
    }
  });

  it('names a live process only when PID and start ticks both match', async () => {
    const dir = tempDir();
    const file = pidFilePath(dir, 'backtest');
    const ticks = processStartTicks(process.pid)!;
    writePidFile(file, { pid: process.pid, startTicks: ticks, startedAt: 1, command: [] });
    expect(liveProcessFromPidFile(file)?.pid).toBe(process.pid);
    // Same PID, other start time: the PID was recycled.
    writePidFile(file, { pid: process.pid, startTicks: ticks + 1, startedAt: 1, command: [] });
    expect(liveProcessFromPidFile(file)).toBeNull();
    // No start ticks: it cannot prove who it is, so it is not trusted.
    writePidFile(file, { pid: process.pid, startTicks: null, startedAt: 1, command: [] });
    expect(liveProcessFromPidFile(file)).toBeNull();

    const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
    const pid = child.pid!;
    const childTicks = processStartTicks(pid);
    await once(child, 'exit');
    writePidFile(file, { pid, startTicks: childTicks ?? 1, startedAt: 1, command: [] });
    expect(liveProcessFromPidFile(file)).toBeNull();
    expect(isRunning({ pid, startTicks: childTicks })).toBe(false);
  });

  it('removes the file, but with an owner only while it still names that owner', () => {
    const dir = tempDir();
    const file = pidFilePath(dir, 'backtest');
    writePidFile(file, { pid: 42, startTicks: 7, startedAt: 1, command: [] });
    removePidFile(file, { pid: 43, startTicks: 7 });
    expect(fs.existsSync(file)).toBe(true);
    removePidFile(file, { pid: 42, startTicks: 7 });
    expect(fs.existsSync(file)).toBe(false);
    removePidFile(file);
  });
});
