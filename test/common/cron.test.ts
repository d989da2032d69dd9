import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CRON_FORMAT, cronProblem, validateCron } from '../../src/common/cron.js';
import { ConfigError } from '../../src/config/config-error.js';
import { loadConfig } from '../../src/config/load-config.js';
import { validateCron as schedulerValidateCron } from '../../src/engine/schedule-math.js';
import { Scheduler } from '../../src/engine/scheduler.js';
import { openOpsDb } from '../../src/store/ops-db.js';
import { tempDir } from '../helpers/temp-dir.js';

const VALID = ['30 0 * * *', '*/1 * * * * *', '0 */4 * * *', '0 0 * * MON', '0 0 L * *', '0 0 ? * *', ' 30 0 * * * '];
const INVALID = ['', 'bogus', '* * *', '* * * *', '0 0 0 * * * *', '0 0 0 1 1 * 2026', '@daily', '61 * * * *', '30 0 31 2 *', 'H 0 * * *'];

function configWithSchedule(schedule: string): string {
  const file = path.join(tempDir(), 'cfa.json');
  fs.writeFileSync(file, JSON.stringify({ jobs: { sync: { schedule } } }));
  return file;
}

function configAccepts(schedule: string): boolean {
  try {
    loadConfig({ configPath: configWithSchedule(schedule) }, {});
    return true;
  } catch (error) {
    if (error instanceof ConfigError) return false;
    throw error;
  }
}

function schedulerAccepts(cron: string): boolean {
  const db = openOpsDb(tempDir());
  try {
    new Scheduler({ jobs: [{ name: 'sync', cron, catchUpWindowMs: 0, enabled: true }], db, onDue: () => {} });
    return true;
  } catch {
    return false;
  } finally {
    db.close();
  }
}

describe('cronProblem', () => {
  it.each(VALID)('accepts %j', (expr) => {
    expect(cronProblem(expr)).toBeNull();
  });

  it.each(INVALID)('refuses %j, saying what is right', (expr) => {
    expect(cronProblem(expr)).toContain(CRON_FORMAT);
  });

  it('counts the fields it was given', () => {
    expect(cronProblem('0 0 0 * * * *')).toMatch(/^it has 7 fields; /);
    expect(cronProblem('* * * *')).toMatch(/^it has 4 fields; /);
  });

  it('names the expression when it throws', () => {
    expect(() => validateCron('0 0 0 * * * *')).toThrow('invalid cron expression "0 0 0 * * * *": it has 7 fields; a cron expression has 5 fields');
  });
});

describe('the config and the scheduler agree', () => {
  it('use one check', () => {
    expect(schedulerValidateCron).toBe(validateCron);
  });

  it.each([...VALID, ...INVALID])('on %j', (expr) => {
    const runnable = cronProblem(expr) === null;
    expect(configAccepts(expr)).toBe(runnable);
    expect(schedulerAccepts(expr)).toBe(runnable);
  });

  it('the config refuses a 7-field expression, naming the key, the value and what is right', () => {
    const file = configWithSchedule('0 30 0 * * * 2026');
    expect(() => loadConfig({ configPath: file }, {})).toThrow(
      /jobs\.sync\.schedule = "0 30 0 \* \* \* 2026": not a cron expression the scheduler can run: it has 7 fields; a cron expression has 5 fields \(minute hour day-of-month month weekday\) or 6 with seconds first/,
    );
  });
});
