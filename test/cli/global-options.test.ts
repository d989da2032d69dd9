import { describe, expect, it } from 'vitest';
import { wantsConsole } from '../../src/cli/global-options.js';

describe('wantsConsole', () => {
  const argv = (...args: string[]) => ['node', 'cfa-console', ...args];

  it('is the console with no subcommand on a terminal, whatever global values are given', () => {
    expect(wantsConsole(argv(), true)).toBe(true);
    // A value that looks like a subcommand is the option's value, not a command.
    expect(wantsConsole(argv('--data-dir', 'run', '--config', 'status', '--exchange-url', 'http://x', '--demo'), true)).toBe(true);
  });

  it('is not the console for a subcommand, the daemon, help, version, or without a terminal', () => {
    expect(wantsConsole(argv('status'), true)).toBe(false);
    expect(wantsConsole(argv('--data-dir', 'd', 'sync'), true)).toBe(false);
    for (const flag of ['--daemon', '--help', '-h', '--version', '-V']) expect(wantsConsole(argv(flag), true)).toBe(false);
    expect(wantsConsole(argv(), false)).toBe(false);
  });
});
