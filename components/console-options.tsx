import type { CliContext } from '../src/cli/context.js';
import type { DemoEnvironment } from '../src/cli/demo.js';
import { collectHealth } from '../src/health/collect-health.js';
import type { ConsoleModeOptions } from './console-mode.js';

/** What the console shows besides the engine: the feeds of the health, backup and alert modules. */
export function consoleOptions(ctx: CliContext, _demo: DemoEnvironment | null): ConsoleModeOptions {
  const { config } = ctx.loaded;
  return {
    feeds: {
      health: () => collectHealth({ config, dataDir: config.dataDir }),
    },
  };
}
