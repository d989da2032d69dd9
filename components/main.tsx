#!/usr/bin/env node
// The `cfa-console` binary: the headless CLI plus the full-screen console. React's development
// build leaks memory at 1 Hz, so production mode is set before Ink or React is loaded.
process.env.NODE_ENV ??= 'production';

const { runAndExit } = await import('../src/cli/main.js');
runAndExit(process.argv, {
  console: async (ctx, demo) => {
    const { runConsole } = await import('./console-mode.js');
    const { consoleOptions } = await import('./console-options.js');
    return runConsole(ctx, consoleOptions(ctx, demo));
  },
});
