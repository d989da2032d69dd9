import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp-dir.js';

function hasSystemdAnalyze(): boolean {
  try {
    execFileSync('systemd-analyze', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('the systemd unit in the README', () => {
  const readme = fs.readFileSync('README.md', 'utf8');
  const unit = /### Running under systemd\s+```ini\n([\s\S]*?)```/.exec(readme)?.[1];

  it('is there, with the settings the engine relies on', () => {
    expect(unit).toBeDefined();
    expect(unit).toMatch(/^Type=exec$/m);
    expect(unit).toMatch(/^Restart=on-failure$/m);
    expect(unit).toMatch(/^KillMode=mixed$/m);
    expect(unit).toMatch(/^ExecStart=\/usr\/local\/bin\/cfa-console --daemon /m);
  });

  it.skipIf(!hasSystemdAnalyze())('passes systemd-analyze verify with no warning', () => {
    const file = path.join(tempDir(), 'cfa-console.service');
    // verify checks that ExecStart's binary exists: point it at this build.
    fs.writeFileSync(file, unit!.replace('/usr/local/bin/cfa-console', CLI));
    const result = spawnSync('systemd-analyze', ['verify', file], { encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});
