import fs from 'node:fs';

/** The last `lines` lines of a file, reading at most `maxBytes` from its end: logs grow large. */
export function tailFile(file: string, lines: number, maxBytes = 64 * 1024): string[] {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    const size = fs.fstatSync(fd).size;
    const length = Math.min(size, maxBytes);
    const buffer = Buffer.alloc(length);
    fs.readSync(fd, buffer, 0, length, size - length);
    const text = buffer.toString('utf8');
    const all = text.split('\n').filter((l) => l.length > 0);
    // The first line of a partial read may be cut in the middle.
    if (length < size) all.shift();
    return all.slice(-lines);
  } catch {
    return [];
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
