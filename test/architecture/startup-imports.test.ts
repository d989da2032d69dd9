import fs from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * What a start of the binary loads before it knows what it will do. `--help`, a typo and every
 * command first load src/cli/main.ts with everything it imports statically; the console draws its
 * first frame from components/console-mode.tsx and its static imports. What a command needs is
 * loaded with `import()` when it runs. These tests keep the packages of those two closures to a
 * short list: one static import of the config loader (zod, conf) or of the engine (SQLite, HTTP and
 * mail clients, the scheduler) costs the start hundreds of milliseconds again.
 */
const ROOT = path.resolve(import.meta.dirname, '../..');
const BUILTINS = new Set(builtinModules);

/** The specifiers a file imports statically for their values: type-only imports and `import()` left out. */
function staticSpecifiers(file: string): string[] {
  const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, false, file.endsWith('x') ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
  const specs: string[] = [];
  for (const statement of source.statements) {
    if (ts.isImportDeclaration(statement)) {
      const clause = statement.importClause;
      if (clause?.isTypeOnly) continue;
      const bindings = clause?.namedBindings;
      // `import { type A, type B } from` is erased like `import type`.
      const onlyTypes = clause !== undefined && clause.name === undefined && bindings !== undefined && ts.isNamedImports(bindings)
        && bindings.elements.length > 0 && bindings.elements.every((e) => e.isTypeOnly);
      if (!onlyTypes) specs.push((statement.moduleSpecifier as ts.StringLiteral).text);
    } else if (ts.isExportDeclaration(statement) && statement.moduleSpecifier && !statement.isTypeOnly) {
      const clause = statement.exportClause;
      const onlyTypes = clause !== undefined && ts.isNamedExports(clause) && clause.elements.length > 0 && clause.elements.every((e) => e.isTypeOnly);
      if (!onlyTypes) specs.push((statement.moduleSpecifier as ts.StringLiteral).text);
    }
  }
  return specs;
}

function resolveLocal(from: string, spec: string): string {
  const base = path.resolve(path.dirname(from), spec).replace(/\.js$/, '');
  const found = [`${base}.ts`, `${base}.tsx`, path.join(base, 'index.ts')].find((c) => fs.existsSync(c));
  if (!found) throw new Error(`${path.relative(ROOT, from)} imports ${spec}, which resolves to no file`);
  return found;
}

/** The repository files and the packages loaded when `entry` is loaded. */
function staticClosure(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const pending = [path.join(ROOT, entry)];
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (files.has(path.relative(ROOT, file))) continue;
    files.add(path.relative(ROOT, file));
    for (const spec of staticSpecifiers(file)) {
      if (spec.startsWith('.')) pending.push(resolveLocal(file, spec));
      else if (!spec.startsWith('node:') && !BUILTINS.has(spec)) packages.add(spec.split('/').slice(0, spec.startsWith('@') ? 2 : 1).join('/'));
    }
  }
  return { files, packages };
}

describe('what a start loads', () => {
  it('declares every command (help, a typo, any command before it runs) with commander and ms only', () => {
    const { files, packages } = staticClosure('src/cli/main.ts');
    // The walk reaches the declarations, so the check below is about them.
    expect(files).toContain('src/cli/program.ts');
    expect(files).toContain('src/cli/alert-commands.ts');
    expect([...packages].sort()).toEqual(['commander', 'ms']);
  });

  it('draws the console\'s first frame with Ink and React, before the engine and the config schema', () => {
    const { files, packages } = staticClosure('components/console-mode.tsx');
    expect(files).toContain('components/App.tsx');
    expect([...packages].filter((p) => !['ink', 'react', 'ms'].includes(p))).toEqual([]);
    expect([...files].filter((f) => f.startsWith('src/engine/') && !f.endsWith('types.ts'))).toEqual([]);
  });

  it('answers --version from the entry points alone', () => {
    for (const entry of ['src/cli.ts', 'components/main.tsx']) {
      expect(staticClosure(entry).packages.size, entry).toBe(0);
    }
  });

  it('sees a heavy static import where there is one (the check itself)', () => {
    // engine-actions is what `jobs`, `run` and `status` load when they run.
    const { files, packages } = staticClosure('src/cli/engine-actions.ts');
    expect(packages).toContain('execa');
    // SQLite's driver (it loads better-sqlite3 with require, by the Node-API version).
    expect(files).toContain('src/store/sqlite-driver.ts');
  });
});
