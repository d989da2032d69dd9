import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { heartbeatAge, heartbeatFilePath, readHeartbeat, writeHeartbeat } from '../../../src/engine/supervisor/heartbeat.js';
import { tempDir } from '../../helpers/temp-dir.js';

describe('heartbeatAge', () => {
  it('counts from the last beat', () => {
    expect(heartbeatAge(10_000, 7_000, 1_000)).toBe(3_000);
  });

  it('counts from the start while there is no beat yet', () => {
    expect(heartbeatAge(10_000, null, 4_000)).toBe(6_000);
  });

  it('ignores a beat from before the process started (left by an earlier run)', () => {
    expect(heartbeatAge(10_000, 2_000, 8_000)).toBe(2_000);
  });

  it('is never negative', () => {
    expect(heartbeatAge(10_000, 10_500, 1_000)).toBe(0);
  });
});

describe('readHeartbeat', () => {
  it('reads the epoch ms the daemon wrote, with or without a newline', () => {
    const dir = tempDir();
    const file = path.join(dir, 'hb');
    fs.writeFileSync(file, '1750000000000');
    expect(readHeartbeat(file)).toBe(1_750_000_000_000);
    writeHeartbeat(file, 1_750_000_000_123);
    expect(readHeartbeat(file)).toBe(1_750_000_000_123);
  });

  it('treats a missing, empty, partial or garbage file as no heartbeat', () => {
    const dir = tempDir();
    const file = path.join(dir, 'hb');
    expect(readHeartbeat(file)).toBeNull();
    for (const text of ['', '   ', '17500000000x', 'NaN', '-5', '{"at":1}', '1.5e12', '0']) {
      fs.writeFileSync(file, text);
      expect(readHeartbeat(file), JSON.stringify(text)).toBeNull();
    }
  });

  it('lives in run/<name>.heartbeat', () => {
    expect(heartbeatFilePath('/data', 'backtest')).toBe(path.join('/data', 'run', 'backtest.heartbeat'));
  });
});
