// `npm run build`, after `tsc --noEmit` has typechecked: esbuild writes dist/.
//  - dist/src/cli.js (the headless CLI the engine runs jobs through) and dist/components/main.js
//    (the `cfa-console` binary): the project's code in one bundle, so a start reads a few files
//    instead of a few hundred. What a command loads with `import()` (its implementation, the
//    engine) is split into chunks under dist/src/chunks/, shared by the two and read only on use.
//  - dist/bench/*.js: the benchmarks, bundled the same way, with their own chunks.
//
// Packages stay in node_modules (external), except the pure-JS ones on the paths where a start
// is paid for, bundled deliberately (BUNDLED): declaring the commands (`--help`), loading the
// config (every command), the console's first frame. Loading them as a few hundred ES modules
// each cost more than their code. What a bundled package imports is bundled with it, except
// native and optional parts (NATIVE), which stay external. better-sqlite3 (and any npm alias of
// it, e.g. better-sqlite3-13, that a store driver picks at run time) and the Litestream binary
// package are never bundled. The build fails if a package would be both bundled and external:
// two copies of React, say, break the console.
//
// Source maps sit beside each file; CFA_DEBUG=1 turns them on for the stack it prints.
import fs from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { build } from 'esbuild';

const root = path.resolve(import.meta.dirname, '..');
const dist = path.join(root, 'dist');

/** Imported by the project's code and bundled: the hot paths of a start (see above). */
const BUNDLED = new Set(['commander', 'ms', 'zod', 'conf', 'env-paths', 'ink', 'react']);
/** Never bundled, from anywhere: native addons, their loaders, optional and dev-only parts. */
const NATIVE = /^(better-sqlite3|@flydotio\/|bindings$|file-uri-to-path$|bufferutil$|utf-8-validate$|react-devtools-core$)/;
const BUILTINS = new Set(builtinModules);

const packageOf = (spec) => spec.split('/').slice(0, spec.startsWith('@') ? 2 : 1).join('/');

const externals = {
  name: 'externals',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith('node:') || BUILTINS.has(packageOf(args.path)) || NATIVE.test(args.path)) return { external: true };
      const fromPackage = args.importer.includes(`${path.sep}node_modules${path.sep}`);
      return fromPackage || BUNDLED.has(packageOf(args.path)) ? undefined : { external: true };
    });
  },
};

const common = {
  absWorkingDir: root,
  outdir: dist,
  outbase: root,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  plugins: [externals],
  // Bundled CommonJS (React, commander) requires node's own modules: ES modules have no `require`.
  banner: { js: "import { createRequire as __cfaCreateRequire } from 'node:module'; const require = __cfaCreateRequire(import.meta.url);" },
  sourcemap: 'linked',
  metafile: true,
  logLevel: 'warning',
};

/** Packages both inside the bundle and imported from node_modules by it: two copies of one package. */
function twice(metafile) {
  const inside = new Set(Object.keys(metafile.inputs).flatMap((f) => {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(f);
    return m ? [m[1]] : [];
  }));
  const outside = new Set(Object.values(metafile.outputs).flatMap((o) => o.imports)
    .filter((i) => i.external && !i.path.startsWith('node:')).map((i) => packageOf(i.path)));
  return [...outside].filter((p) => inside.has(p));
}

fs.rmSync(dist, { recursive: true, force: true });
const benches = fs.readdirSync(path.join(root, 'bench')).filter((f) => f.endsWith('.ts')).map((f) => `bench/${f}`);
const results = await Promise.all([
  build({ ...common, entryPoints: ['src/cli.ts', 'components/main.tsx'], chunkNames: 'src/chunks/[name]-[hash]' }),
  build({ ...common, entryPoints: benches, chunkNames: 'bench/chunks/[name]-[hash]' }),
]);
const doubled = [...new Set(results.flatMap((r) => twice(r.metafile)))];
if (doubled.length > 0) {
  console.error(`build: ${doubled.join(', ')} would be both bundled and loaded from node_modules (two copies): add ${doubled.length > 1 ? 'them' : 'it'} to BUNDLED in scripts/build.mjs, or keep what imports ${doubled.length > 1 ? 'them' : 'it'} external`);
  process.exit(1);
}
for (const bin of ['src/cli.js', 'components/main.js']) fs.chmodSync(path.join(dist, bin), 0o755);
