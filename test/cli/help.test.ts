import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { CLI } from '../helpers/cli.js';

/**
 * `--help` and `--version` stay true in the bundled binaries: `--help` is answered from the
 * commands' declarations, without loading what they run, so each command it lists must still be
 * there and answer `help <command>` with its own usage, in both entry points.
 */
const BINARIES = { cli: CLI, console: path.resolve('dist/components/main.js') };

async function run(bin: string, args: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const r = await execa(process.execPath, [bin, ...args], { reject: false, stdin: 'ignore', env: { NO_COLOR: '1' }, timeout: 60_000 });
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

/** The command names of a help text's "Commands:" list (a description's continuation lines are indented further). */
function listedCommands(help: string): string[] {
  const block = help.split('\nCommands:\n')[1];
  if (block === undefined) return [];
  return block.split('\n').flatMap((line) => {
    const name = /^ {2}([a-z][\w-]*)/.exec(line)?.[1];
    return name !== undefined && name !== 'help' ? [name] : [];
  });
}

describe.each(Object.entries(BINARIES))('help of the %s binary', (_name, bin) => {
  it('prints the package version for --version and -V', async () => {
    const { version } = JSON.parse(fs.readFileSync('package.json', 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) expect((await run(bin, [flag])).stdout.trim()).toBe(version);
  });

  it('answers `help <command>` and `<command> --help` for every command --help lists, subcommands included', async () => {
    const top = await run(bin, ['--help']);
    expect(top.exitCode).toBe(0);
    const commands = listedCommands(top.stdout);
    // Jobs, the engine's commands, alerts, backups, runbooks, drills and config are all declared.
    for (const name of ['sync', 'validate', 'backup', 'alert-digest', 'jobs', 'run', 'status', 'health', 'alerts', 'restore', 'daemon', 'runbook', 'incident', 'drill', 'simulate-exchange', 'config']) {
      expect(commands).toContain(name);
    }
    for (const name of commands) {
      const help = await run(bin, ['help', name]);
      expect(help.exitCode, `help ${name}: ${help.stderr}`).toBe(0);
      expect(help.stdout).toContain(`Usage: cfa-console ${name}`);
      for (const sub of listedCommands(help.stdout)) {
        const subHelp = await run(bin, [name, sub, '--help']);
        expect(subHelp.exitCode, `${name} ${sub} --help: ${subHelp.stderr}`).toBe(0);
        expect(subHelp.stdout).toContain(`Usage: cfa-console ${name} ${sub}`);
      }
    }
  });
});
