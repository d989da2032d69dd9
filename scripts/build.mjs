// `npm run build`, after `tsc --noEmit` has typechecked: esbuild writes dist/.
//  - dist/src/cli.js (the headless CLI the engine runs jobs through) and dist/components/main.js
//    (the `cfa-console` binary): the project's own code bundled, so a start reads a few files
//    instead of a few hundred. What a command loads with `import()` (its implementation, Ink and
//    React) is split into chunks under dist/src/chunks/, shared by the two and read only on use.
//  - dist/bench/*.js: the benchmarks, bundled the same way, with their own chunks.
// Packages stay external (read from node_modules at run time): better-sqlite3 and the Litestream
// binary package are native, and a store driver may choose between npm aliases of better-sqlite3
// at run time. Source maps sit beside each file: NODE_OPTIONS=--enable-source-maps uses them.
import fs from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

const root = path.resolve(import.meta.dirname, '..');
const dist = path.join(root, 'dist');

const common = {
  absWorkingDir: root,
  outdir: dist,
  outbase: root,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  sourcemap: 'linked',
  logLevel: 'warning',
};

fs.rmSync(dist, { recursive: true, force: true });
const benches = fs.readdirSync(path.join(root, 'bench')).filter((f) => f.endsWith('.ts')).map((f) => `bench/${f}`);
await Promise.all([
  build({ ...common, entryPoints: ['src/cli.ts', 'components/main.tsx'], chunkNames: 'src/chunks/[name]-[hash]' }),
  build({ ...common, entryPoints: benches, chunkNames: 'bench/chunks/[name]-[hash]' }),
]);
for (const bin of ['src/cli.js', 'components/main.js']) fs.chmodSync(path.join(dist, bin), 0o755);
