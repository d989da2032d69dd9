import { describe, expect, it } from 'vitest';
import {
  HOST, ResourceSampler, cpuPercentBetween, pruneSamples, readCpuTimes, recordSample, sampleHost, sampleProcess, samplesSince,
  sustainedAbove,
} from '../../../src/engine/resource-sampler.js';
import { openOpsDb } from '../../../src/store/ops-db.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { waitFor } from './helpers.js';

const run = (values: (number | null)[], step = 1000) => values.map((value, i) => ({ at: i * step, value }));

describe('sustainedAbove', () => {
  it('is true once the run of samples above the limit spans the time asked for', () => {
    expect(sustainedAbove(run([95, 95, 95, 95]), 90, 3000)).toBe(true);
    expect(sustainedAbove(run([95, 95, 95]), 90, 3000)).toBe(false);
  });

  it('only counts the unbroken run that reaches the newest sample', () => {
    expect(sustainedAbove(run([95, 95, 95, 95, 50, 95, 95]), 90, 3000)).toBe(false);
    expect(sustainedAbove(run([95, 95, 95, 95, 95, 50]), 90, 3000)).toBe(false);
    expect(sustainedAbove(run([50, 95, 95, 95, 95]), 90, 3000)).toBe(true);
  });

  it('does not count a sample at the limit, an unknown sample, or a gap wider than allowed', () => {
    expect(sustainedAbove(run([90, 90, 90, 90]), 90, 3000)).toBe(false);
    expect(sustainedAbove(run([95, null, 95, 95]), 90, 1000)).toBe(true);
    expect(sustainedAbove(run([95, null, 95, 95]), 90, 2000)).toBe(false);
    const gap = [{ at: 0, value: 95 }, { at: 10_000, value: 95 }, { at: 11_000, value: 95 }];
    expect(sustainedAbove(gap, 90, 5000)).toBe(true);
    expect(sustainedAbove(gap, 90, 5000, 3000)).toBe(false);
  });

  it('sorts its input and handles none', () => {
    expect(sustainedAbove([], 90, 0)).toBe(false);
    expect(sustainedAbove([...run([95, 95, 95, 95])].reverse(), 90, 3000)).toBe(true);
  });
});

describe('host and process sampling', () => {
  it('computes host CPU from /proc/stat deltas and reads memory', () => {
    expect(cpuPercentBetween({ idle: 100, total: 200 }, { idle: 150, total: 300 })).toBe(50);
    expect(cpuPercentBetween({ idle: 100, total: 200 }, { idle: 100, total: 200 })).toBeNull();
    const first = sampleHost();
    expect(first.cpuPercent).toBeNull();
    expect(first.memTotalBytes).toBeGreaterThan(0);
    expect(first.memUsedBytes).toBeGreaterThan(0);
    expect(first.memUsedBytes).toBeLessThanOrEqual(first.memTotalBytes);
    const busyUntil = Date.now() + 30;
    while (Date.now() < busyUntil) { /* let some ticks pass */ }
    const second = sampleHost(first.cpuTimes ?? readCpuTimes());
    if (second.cpuPercent !== null) {
      expect(second.cpuPercent).toBeGreaterThanOrEqual(0);
      expect(second.cpuPercent).toBeLessThanOrEqual(100);
    }
  });

  it('samples a process with pidusage and answers null for one that is gone', async () => {
    const me = await sampleProcess(process.pid);
    expect(me?.pid).toBe(process.pid);
    expect(me?.rssBytes).toBeGreaterThan(0);
    expect(await sampleProcess(2 ** 22 + 12_345)).toBeNull();
  });
});

describe('resource_samples', () => {
  it('records, reads back per process and prunes by age', () => {
    const db = openOpsDb(tempDir());
    recordSample(db, { at: 1_000, process: HOST, pid: null, cpuPercent: 12.5, rssBytes: 1e9 });
    recordSample(db, { at: 2_000, process: 'backtest', pid: 7, cpuPercent: 99, rssBytes: 5e8 });
    recordSample(db, { at: 3_000, process: 'backtest', pid: 7, cpuPercent: null, rssBytes: null });
    expect(samplesSince(db, 'backtest', 0)).toEqual([
      { at: 2_000, process: 'backtest', pid: 7, cpuPercent: 99, rssBytes: 5e8 },
      { at: 3_000, process: 'backtest', pid: 7, cpuPercent: null, rssBytes: null },
    ]);
    expect(samplesSince(db, 'backtest', 2_500)).toHaveLength(1);
    expect(pruneSamples(db, 2_500)).toBe(2);
    expect(samplesSince(db, HOST, 0)).toEqual([]);
    expect(pruneSamples(db)).toBe(1);
    db.close();
  });

  it('ResourceSampler samples the host and watched processes, records them and keeps the latest', async () => {
    const db = openOpsDb(tempDir());
    const sampler = new ResourceSampler({ db, sampleEvery: 30 });
    sampler.watch('console', process.pid);
    sampler.start();
    try {
      await waitFor('three host samples', () => samplesSince(db, HOST, 0).length >= 3);
      await waitFor('a console sample', () => sampler.latest('console'));
      expect(sampler.latest('console')).toMatchObject({ process: 'console', pid: process.pid });
      expect(sampler.latestHost()?.cpuPercent).not.toBeUndefined();
      expect(samplesSince(db, 'console', 0).every((s) => s.pid === process.pid && (s.rssBytes ?? 0) > 0)).toBe(true);
      sampler.watch('console', null);
      expect(sampler.latest('console')).toBeNull();
    } finally {
      sampler.stop();
    }
    // A sample in flight when stop() was called may still land; nothing after it.
    await new Promise((resolve) => setTimeout(resolve, 60));
    const count = samplesSince(db, HOST, 0).length;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(samplesSince(db, HOST, 0).length).toBe(count);
    db.close();
  });

  it('has a host CPU figure in its very first sample, even with a long period', async () => {
    const db = openOpsDb(tempDir());
    const sampler = new ResourceSampler({ db, sampleEvery: 60_000 });
    sampler.start();
    try {
      await waitFor('a first host sample', () => samplesSince(db, HOST, 0).length >= 1);
      const [first] = samplesSince(db, HOST, 0);
      expect(first?.cpuPercent).toBeTypeOf('number');
      expect(sampler.latestHost()?.cpuPercent).toBeTypeOf('number');
    } finally {
      sampler.stop();
      db.close();
    }
  });
});
