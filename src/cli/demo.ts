import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startSimulator, type SimulatorHandle } from '../exchange/simulator/index.js';

export interface DemoEnvironment {
  simulator: SimulatorHandle;
  dataDir: string;
}

/**
 * `--demo`: the project's exchange simulator on a loopback port and a fresh temporary data dir,
 * so a newcomer sees everything work without an exchange or a config.
 */
export async function startDemoEnvironment(dataDir?: string): Promise<DemoEnvironment> {
  const simulator = await startSimulator({ symbols: 60 });
  const dir = dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'cfa-console-demo-'));
  return { simulator, dataDir: dir };
}
