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

describe('the two-host systemd unit in the README (PostgreSQL)', () => {
  const readme = fs.readFileSync('README.md', 'utf8');
  const unit = /### Two hosts under systemd[\s\S]*?```ini\n([\s\S]*?)```/.exec(readme)?.[1];

  it('is there, takes the store URL from an environment file, and is the same engine unit otherwise', () => {
    expect(unit).toBeDefined();
    expect(unit).toMatch(/^EnvironmentFile=\/etc\/cfa-console\/env$/m);
    expect(unit).not.toMatch(/postgres(ql)?:\/\//);
    expect(unit).toMatch(/^Type=exec$/m);
    expect(unit).toMatch(/^KillMode=mixed$/m);
    expect(unit).toMatch(/^ExecStart=\/usr\/local\/bin\/cfa-console --daemon /m);
  });

  it.skipIf(!hasSystemdAnalyze())('passes systemd-analyze verify with no warning', () => {
    const dir = tempDir();
    const file = path.join(dir, 'cfa-console.service');
    fs.writeFileSync(path.join(dir, 'env'), 'CFA_STORE_URL=postgresql://cfa:x@127.0.0.1:5432/cfa\nCFA_HOST=cfa-b\n');
    fs.writeFileSync(file, unit!.replace('/usr/local/bin/cfa-console', CLI).replace('/etc/cfa-console/env', path.join(dir, 'env')));
    const result = spawnSync('systemd-analyze', ['verify', file], { encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});
