import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The built entry points, for the child processes the engine, `run`, the demo and the drills
 * start. Found from the package's root (the nearest directory up with a package.json), not from
 * this file's place: the build bundles this module into dist/src/cli.js, dist/components/main.js
 * or a shared chunk, and each sits at a different depth (under vitest it is src/common/).
 */
function packageRoot(): string {
  const start = path.dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json above ${start}: cannot find the cfa-console entry points`);
  }
}

const ROOT = packageRoot();

/** The headless CLI (src/cli.ts built): every subcommand and --daemon, never Ink or React. */
export const CLI_PATH = path.join(ROOT, 'dist', 'src', 'cli.js');

/** The `cfa-console` binary (components/main.tsx built): the CLI plus the full-screen console. */
export const CONSOLE_BIN = path.join(ROOT, 'dist', 'components', 'main.js');
