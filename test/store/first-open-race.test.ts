import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { buildSync } from 'esbuild';
import { describe, expect, it } from 'vitest';
import Database from '../../src/store/sqlite-driver.js';
import { tempDir } from '../helpers/temp-dir.js';

/**
 * A child that opens the data dir's market.db and ops.db the way every command does (opening
 * creates and migrates them) at an agreed instant, and prints `ok` or the error.
 */
function openerScript(): string {
  const dir = tempDir();
  const entry = path.join(dir, 'entry.ts');
  fs.writeFileSync(entry, `
    import { MarketStore } from ${JSON.stringify(path.resolve('src/store/market-db.ts'))};
    import { openOpsDb } from ${JSON.stringify(path.resolve('src/store/ops-db.ts'))};
    const [dataDir, at] = process.argv.slice(2);
    while (Date.now() < Number(at)) { /* all start together */ }
    try {
      MarketStore.open(dataDir).close();
      openOpsDb(dataDir).close();
      console.log('ok');
    } catch (error) {
      console.log(String((error as Error).message));
    }`);
  const out = path.join(dir, 'opener.mjs');
  buildSync({ entryPoints: [entry], outfile: out, bundle: true, platform: 'node', format: 'esm', packages: 'external', logLevel: 'error' });
  return out;
}

function run(script: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    // The bundle lives in a temp dir: the project's packages (better-sqlite3) come from NODE_PATH.
    const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, NODE_PATH: path.resolve('node_modules') } });
    let out = '';
    child.stdout.on('data', (c) => { out += String(c); });
    child.on('error', reject);
    child.on('close', () => resolve(out.trim()));
  });
}

describe('a new data dir opened by several processes at once', () => {
  it('each one opens it: no "table already exists", no "database is locked", and the schema is made once', async () => {
    const script = openerScript();
    // Before the fix (src/store/sqlite.ts: enterWal, the re-read of user_version under the write
    // lock) the first round already failed, 2 runs in 2; 6 rounds make a lucky pass unlikely.
    for (let round = 0; round < 6; round++) {
      const dataDir = tempDir();
      const at = Date.now() + 700;
      const answers = await Promise.all(Array.from({ length: 8 }, () => run(script, [dataDir, String(at)])));
      expect({ round, answers }).toEqual({ round, answers: Array(8).fill('ok') });
      const db = new Database(path.join(dataDir, 'market.db'), { readonly: true });
      try {
        expect(db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'candles'").pluck().get()).toBe(1);
      } finally {
        db.close();
      }
    }
  });
});
