import fs from 'node:fs';

export interface TailOptions {
  /** Read at most this much of the end of the file: logs grow large. */
  maxBytes?: number;
  /** Keep at most this many of the last lines. */
  lines?: number;
}

export const DEFAULT_TAIL_BYTES = 64 * 1024;

/**
 * The whole lines of the last `maxBytes` of a text, given as the bytes read and whether they
 * start at the very beginning of the file. Pure. A window that starts inside the file includes
 * the byte before it: when that byte is a newline the first line is whole, else it was cut and
 * is dropped. Empty lines are dropped.
 */
export function wholeLines(window: Buffer, fromStartOfFile: boolean): string[] {
  const lines = window.toString('utf8').split('\n');
  if (!fromStartOfFile) lines.shift();
  return lines.filter((l) => l.length > 0);
}

/**
 * The last whole lines of a file, reading at most `maxBytes` from its end (a line cut by the
 * window is dropped, never shown half). An absent or unreadable file has none.
 */
export function tailLines(file: string, options: TailOptions = {}): string[] {
  const maxBytes = options.maxBytes ?? DEFAULT_TAIL_BYTES;
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    const size = fs.fstatSync(fd).size;
    // One byte more than the window when it starts inside the file: the byte that says whether
    // the window's first line is whole.
    const start = Math.max(0, size - maxBytes - 1);
    const buffer = Buffer.alloc(size - start);
    const read = fs.readSync(fd, buffer, 0, buffer.length, start);
    const lines = wholeLines(buffer.subarray(0, read), start === 0);
    return options.lines === undefined ? lines : lines.slice(-options.lines);
  } catch {
    return [];
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
