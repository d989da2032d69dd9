#!/usr/bin/env node
// The headless entry: every subcommand and --daemon, without the full-screen console (so jobs,
// which the engine runs through this file, never load Ink or React).
import { runAndExit } from './cli/main.js';

runAndExit(process.argv);
