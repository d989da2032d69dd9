import { startSimulator, type SimulatorHandle, type SimulatorOptions } from '../../../src/exchange/simulator/index.js';

/** 2024-01-10T12:34:56.789Z: mid-candle for every interval, so the open candle is partial. */
export const NOW = Date.UTC(2024, 0, 10, 12, 34, 56, 789);
export const HOUR = 3_600_000;

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
}

export async function get(sim: SimulatorHandle, pathAndQuery: string, init?: RequestInit): Promise<Reply> {
  const res = await fetch(sim.url + pathAndQuery, init);
  return { status: res.status, headers: res.headers, text: await res.text() };
}

export async function getJson<T = unknown>(sim: SimulatorHandle, pathAndQuery: string): Promise<{ status: number; headers: Headers; body: T }> {
  const r = await get(sim, pathAndQuery);
  return { status: r.status, headers: r.headers, body: JSON.parse(r.text) as T };
}

/** Starts simulators and closes them after each test. */
export function simulators(): { start(options?: SimulatorOptions): Promise<SimulatorHandle>; closeAll(): Promise<void> } {
  const open: SimulatorHandle[] = [];
  return {
    async start(options) {
      const sim = await startSimulator(options);
      open.push(sim);
      return sim;
    },
    async closeAll() {
      await Promise.all(open.splice(0).map((s) => s.close()));
    },
  };
}

/** A clock the test moves by hand. */
export function manualClock(start: number): { now: () => number; set(t: number): void; advance(ms: number): void } {
  let t = start;
  return { now: () => t, set: (v) => { t = v; }, advance: (ms) => { t += ms; } };
}
