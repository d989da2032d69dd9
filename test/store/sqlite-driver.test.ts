import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import Database, { chooseSqliteDriver, DRIVER_12, DRIVER_13, sqliteDriver, sqliteDriverFile, sqliteDriverVersion } from '../../src/store/sqlite-driver.js';
import { tempDir } from '../helpers/temp-dir.js';

describe('chooseSqliteDriver', () => {
  it('takes 13 where its Node-API 10 binary runs and it is installed, 12 otherwise', () => {
    expect(chooseSqliteDriver(9, true)).toBe(DRIVER_12); // Node 20 (and 22 before 22.14)
    expect(chooseSqliteDriver(10, true)).toBe(DRIVER_13); // Node 22.14+, 24
    expect(chooseSqliteDriver(10, false)).toBe(DRIVER_12); // installed on Node 20, run on a newer one
  });
});

describe('the driver this Node loads', () => {
  it('is 13 wherever Node offers Node-API 10, so npm installed the optional alias here', () => {
    // On Node 24 this fails when `better-sqlite3-13` is missing (npm ci run on Node 20, or
    // --omit=optional): 12 would be loaded, and it aborts processes at random there.
    const major = Number(process.versions.napi) >= 10 ? '13' : '12';
    expect(sqliteDriverVersion.split('.')[0]).toBe(major);
    expect(sqliteDriverFile).toContain(`/node_modules/${sqliteDriver}/`);
    const db = new Database(':memory:');
    expect(db.prepare('SELECT 1 + 1 AS two').get()).toEqual({ two: 2 });
    db.close();
  });

  it('survives statements the garbage collector finalizes around a process exit', () => {
    // The break 13 fixes: on Node 24.19+, 12.x aborts in Statement's destructor
    // ("Assertion failed: (env) != nullptr", node::RemoveEnvironmentCleanupHook) when statements
    // are finalized while the process goes down. This script, found by trial (worker_threads,
    // loaded by pino and vitest too, changes the collector's timing enough), aborted 5 runs in 6
    // with 12.11.1 on Node 24.21 and never with 13; the same without it, or from `node -e`, rarely.
    const script = path.join(tempDir(), 'statements.cjs');
    fs.writeFileSync(script, `
      require('node:worker_threads');
      const Database = require(${JSON.stringify(sqliteDriverFile)});
      const db = new Database(':memory:');
      db.exec('CREATE TABLE t (a)');
      for (let i = 0; i < 5000; i++) db.prepare('INSERT INTO t VALUES (?)').run(i);
      const kept = [];
      for (let i = 0; i < 1000; i++) kept.push(db.prepare('SELECT ' + i));
      setTimeout(() => process.exit(0), 10);`);
    for (let run = 0; run < 5; run++) {
      const child = spawnSync(process.execPath, [script], { encoding: 'utf8' });
      expect({ run, status: child.status, signal: child.signal, stderr: child.stderr.split('\n').slice(0, 3).join('\n') })
        .toEqual({ run, status: 0, signal: null, stderr: '' });
    }
  });
});
