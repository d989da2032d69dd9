#!/usr/bin/env -S node --max-semi-space-size=8
// --max-semi-space-size=8 (MB): V8's young generation otherwise grows to its 16 MB semi-spaces in
// the busy first minute (sync, scans) and stays there; capped at 8 the idle --daemon on a year of
// candles holds 86 MB instead of 127 MB (bench/daemon.ts, BENCH_RSS_TRACE), at the cost of more
// frequent minor GCs. `env -S` splits the flags (coreutils 8.30+, macOS).
// The `cfa-console` binary: the headless CLI plus the full-screen console. React's development
// build leaks memory at 1 Hz, so production mode is set before Ink or React is loaded.
process.env.NODE_ENV ??= 'production';
// The bundle's source maps, so a CFA_DEBUG stack names the TypeScript sources.
if (process.env.CFA_DEBUG) process.setSourceMapsEnabled(true);

const { CLI_VERSION, isVersionOnly } = await import('../src/cli/version.js');
if (isVersionOnly(process.argv)) {
  process.stdout.write(`${CLI_VERSION}\n`);
  process.exit(0);
}

// The same declaration of the global flags as the CLI's, so a value is never taken for a subcommand.
const { wantsConsole } = await import('../src/cli/global-options.js');
const showConsole = wantsConsole(process.argv);
if (showConsole) {
  // Ink draws only a final frame when CI or CONTINUOUS_INTEGRATION is set; a console on a real
  // terminal is interactive whatever the environment says (an engineer's shell, a CI's tmux).
  for (const key of ['CI', 'CONTINUOUS_INTEGRATION']) if (key in process.env) process.env[key] = 'false';
}

// Ink takes a few hundred milliseconds to load (its layout engine is WebAssembly): start that
// at once, alongside the CLI, when the console is what will be shown.
const consoleModule = showConsole ? import('./console-mode.js') : null;
consoleModule?.catch(() => {});

const { runAndExit } = await import('../src/cli/main.js');
runAndExit(process.argv, {
  console: async (ctx, deferred) => {
    const { runConsole } = await (consoleModule ?? import('./console-mode.js'));
    return runConsole(ctx, { deferred });
  },
});
