import fs from 'node:fs';
import path from 'node:path';
import which from 'which';
import { isExecutableFile } from './executable.js';
import { ConfigError } from '../config/config-error.js';
import type { LoadedConfig } from '../config/load-config.js';
import type { JobDefinition } from './job-definition.js';
import { resolveSchedule } from './scheduler.js';

/**
 * What the engine checks before it takes the lease: a bad schedule, a daemon command that does
 * not exist or a log dir it cannot write is a configuration error (exit 2) named by its key,
 * found now rather than at 00:30 when nobody is watching.
 */
export function preflight(config: LoadedConfig['config'], jobs: readonly JobDefinition[]): void {
  resolveSchedule(jobs, config.jobs);

  checkCommand('daemon', config.daemon.command, config.daemon.cwd, 'the backtest daemon\'s argv, e.g. ["cfa-console", "example-backtest"]');
  // The 23:30 daily backtest: a typo found now, not at 23:30.
  checkCommand('backtest', config.backtest.command, config.backtest.cwd, 'the daily backtest\'s argv, e.g. ["python3", "backtest/daily.py"]');

  const logs = path.join(config.dataDir, 'logs');
  try {
    fs.mkdirSync(logs, { recursive: true });
    fs.accessSync(logs, fs.constants.W_OK);
    const probe = path.join(logs, `.write-test-${process.pid}`);
    fs.writeFileSync(probe, '');
    fs.rmSync(probe);
  } catch (error) {
    throw new ConfigError(`log dir ${logs} is not writable (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); the engine keeps its log and every job's log there: fix its permissions or point --data-dir elsewhere`);
  }
}

function checkCommand(key: string, command: readonly string[] | undefined, cwdSetting: string | undefined, example: string): void {
  if (!command) return;
  const program = command[0]!;
  const cwd = cwdSetting ?? process.cwd();
  const found = program.includes('/')
    ? isExecutableFile(path.resolve(cwd, program))
    : which.sync(program, { nothrow: true }) !== null;
  if (!found) {
    throw new ConfigError(`${key}.command = ${JSON.stringify(command)}: ${JSON.stringify(program)} is not an executable file${program.includes('/') ? '' : ' on PATH'}; set ${key}.command to ${example}`);
  }
  if (cwdSetting && !fs.existsSync(cwdSetting)) {
    throw new ConfigError(`${key}.cwd = ${JSON.stringify(cwdSetting)}: no such directory`);
  }
}
