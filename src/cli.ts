#!/usr/bin/env node
// The headless entry: every subcommand and --daemon, without the full-screen console (so jobs,
// which the engine runs through this file, never load Ink or React).
import { CLI_VERSION, isVersionOnly } from './cli/version.js';

if (isVersionOnly(process.argv)) {
  process.stdout.write(`${CLI_VERSION}\n`);
} else {
  // Loaded only when a command is run: `--version` costs a bare node start.
  const { runAndExit } = await import('./cli/main.js');
  runAndExit(process.argv);
}
