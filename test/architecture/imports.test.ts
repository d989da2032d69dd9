import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * The house rules that no behaviour test sees, checked on the source itself: no import circle,
 * nothing in the core imports its clients. Imports are read with TypeScript's own pre-processor
 * (static and dynamic `import`, `export ... from`), resolved to files of this repository.
 */
const ROOT = path.resolve(import.meta.dirname, '../..');
const TREES = ['src', 'jobs', 'runbooks', 'components'];

function sourceFiles(dir: string, withTests = false): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full, withTests);
    return /\.tsx?$/.test(entry.name) && (withTests || !/\.test\.tsx?$/.test(entry.name)) ? [full] : [];
  });
}

/** Repository-relative file -> the repository files it imports. */
function importGraph(): Map<string, string[]> {
  const files = TREES.flatMap((t) => sourceFiles(path.join(ROOT, t)));
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const info = ts.preProcessFile(fs.readFileSync(file, 'utf8'), true, true);
    const targets = info.importedFiles
      .map((f) => f.fileName)
      .filter((spec) => spec.startsWith('.'))
      .map((spec) => {
        const base = path.resolve(path.dirname(file), spec).replace(/\.js$/, '');
        return [`${base}.ts`, `${base}.tsx`, path.join(base, 'index.ts')].find((c) => known.has(c));
      })
      .filter((t): t is string => t !== undefined);
    graph.set(path.relative(ROOT, file), [...new Set(targets.map((t) => path.relative(ROOT, t)))]);
  }
  return graph;
}

/** Strongly connected components of more than one file (Tarjan): each is an import circle. */
function circles(graph: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next);
    next += 1;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

describe('the house', () => {
  const graph = importGraph();

  it('reads the tree it checks', () => {
    // A walk that finds nothing would pass every rule below.
    expect(graph.size).toBeGreaterThan(100);
    expect(graph.get('src/cli/program.ts')).toContain('jobs/index.ts');
  });

  it('has no import circle', () => {
    expect(circles(graph)).toEqual([]);
  });

  it('finds a circle when there is one (the check itself)', () => {
    const planted = new Map([['a.ts', ['b.ts']], ['b.ts', ['c.ts']], ['c.ts', ['a.ts']], ['d.ts', ['a.ts']]]);
    expect(circles(planted)).toEqual([['a.ts', 'b.ts', 'c.ts']]);
  });

  it('keeps the core free of its clients: nothing in src/ but src/cli imports src/cli, nothing in src/ imports components/', () => {
    // src/cli.ts is the CLI's own entry point (the binary jobs run), part of the CLI.
    const isCli = (file: string) => file.startsWith('src/cli/') || file === 'src/cli.ts';
    const offending = [...graph].flatMap(([file, targets]) => targets
      .filter((t) => file.startsWith('src/') && ((t.startsWith('src/cli/') && !isCli(file)) || t.startsWith('components/')))
      .map((t) => `${file} -> ${t}`));
    expect(offending).toEqual([]);
  });

  it('loads better-sqlite3 only through src/store/sqlite-driver.ts, which picks the major this Node can run', () => {
    // A direct import would load 12.x on Node 24, where it aborts at random (see the driver).
    const files = [...TREES, 'test', 'bench'].flatMap((t) => sourceFiles(path.join(ROOT, t), true));
    expect(files.length).toBeGreaterThan(200);
    const offending = files.map((file) => path.relative(ROOT, file))
      .filter((file) => file !== 'src/store/sqlite-driver.ts')
      .flatMap((file) => ts.preProcessFile(fs.readFileSync(path.join(ROOT, file), 'utf8'), true, true).importedFiles
        .map((f) => f.fileName)
        .filter((spec) => /^better-sqlite3(-13)?(\/|$)/.test(spec))
        .map((spec) => `${file} -> ${spec}`));
    expect(offending).toEqual([]);
  });

  it('keeps jobs and runbooks declarative: no SQL driver, HTTP client or CLI parser imported', () => {
    const offending = [...graph].filter(([file]) => file.startsWith('jobs/') || file.startsWith('runbooks/'))
      .flatMap(([file]) => {
        const specs = ts.preProcessFile(fs.readFileSync(path.join(ROOT, file), 'utf8'), true, true).importedFiles.map((f) => f.fileName);
        return specs.filter((s) => /^(better-sqlite3|pg|axios|node:http|node:https|commander)$|\/store\/|\/cli\//.test(s)).map((s) => `${file} -> ${s}`);
      });
    expect(offending).toEqual([]);
  });
});
