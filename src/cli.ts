#!/usr/bin/env node
// The headless entry: every subcommand and --daemon, without the full-screen console (so jobs,
// which the engine runs through this file, never load Ink or React).
import { CLI_VERSION, isVersionOnly } from './cli/version.js';

// The bundle's source maps, so a CFA_DEBUG stack names the TypeScript sources.
if (process.env.CFA_DEBUG) process.setSourceMapsEnabled(true);

if (isVersionOnly(process.argv)) {
  process.stdout.write(`${CLI_VERSION}\n`);
} else {
  // Loaded only when a command is run: `--version` costs a bare node start.
  const { runAndExit } = await import('./cli/main.js');
  runAndExit(process.argv);
}
