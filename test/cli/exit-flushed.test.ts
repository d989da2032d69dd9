import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { transformSync } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/temp-dir.js';

// The build bundles the CLI into one file; the child loads this module on its own, as JavaScript.
// (tempDir is removed after each test, so each child gets its own copy.)
function moduleUrl(): string {
  const file = path.join(tempDir(), 'exit-flushed.mjs');
  fs.writeFileSync(file, transformSync(fs.readFileSync('src/cli/exit-flushed.ts', 'utf8'), { loader: 'ts', format: 'esm' }).code);
  return pathToFileURL(file).href;
}

/**
 * A child that writes `lines` JSON lines on stdout and then ends the way the CLI ends: through
 * exitFlushed (or a bare process.exit, to show what is lost without it).
 */
function child(lines: number, how: 'flushed' | 'bare', boundMs = 10_000) {
  const script = `
    const { exitFlushed } = await import(${JSON.stringify(moduleUrl())});
    for (let i = 0; i < ${lines}; i++) process.stdout.write(JSON.stringify({ event: 'series', i, pad: 'x'.repeat(100) }) + '\\n');
    process.stdout.write(JSON.stringify({ event: 'summary', lines: ${lines} }) + '\\n');
    ${how === 'flushed' ? `exitFlushed(124, ${boundMs});` : 'process.exit(124);'}
  `;
  return spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
}

/** Reads the child's stdout only after `delayMs`, as a loaded reader does; resolves with it and the exit code. */
function readLate(proc: ChildProcess, delayMs: number): Promise<{ stdout: string; code: number | null }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    proc.stdout!.pause();
    setTimeout(() => { proc.stdout!.on('data', (c: Buffer) => chunks.push(c)); proc.stdout!.resume(); }, delayMs);
    proc.on('close', (code) => resolve({ stdout: Buffer.concat(chunks).toString(), code }));
  });
}

const lastEvent = (stdout: string) => JSON.parse(stdout.trimEnd().split('\n').at(-1)!) as Record<string, unknown>;

describe('the CLI exits once what it wrote is handed over', () => {
  it('a reader that reads late still gets every line and the summary, and the exit code', async () => {
    const run = await readLate(child(3000, 'flushed'), 800);
    expect(run.code).toBe(124);
    expect(run.stdout.trimEnd().split('\n')).toHaveLength(3001);
    expect(lastEvent(run.stdout)).toEqual({ event: 'summary', lines: 3000 });
  });

  it('a bare process.exit loses the tail for the same reader (why exitFlushed exists)', async () => {
    const run = await readLate(child(3000, 'bare'), 800);
    expect(run.code).toBe(124);
    expect(run.stdout.trimEnd().split('\n').length).toBeLessThan(3001);
  });

  it('a reader that never reads does not hold the exit past the bound', async () => {
    const proc = child(3000, 'flushed', 300);
    const code = await new Promise<number | null>((resolve) => { proc.stdout!.pause(); proc.on('exit', (c) => resolve(c)); });
    expect(code).toBe(124);
    proc.stdout!.destroy();
  });
});
