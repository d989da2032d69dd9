import type { CliContext } from '../src/cli/context.js';
import type { DemoEnvironment } from '../src/cli/demo.js';
import type { ConsoleModeOptions } from './console-mode.js';

/** What the console shows besides the engine: the feeds of the health, backup and alert modules. */
export function consoleOptions(_ctx: CliContext, _demo: DemoEnvironment | null): ConsoleModeOptions {
  return { feeds: {} };
}
