import fs from 'node:fs';

/** Space available to unprivileged users on the file system holding `dir` (statfs). */
export function diskSpace(dir: string): { totalBytes: number; freeBytes: number } {
  const s = fs.statfsSync(dir);
  return { totalBytes: s.blocks * s.bsize, freeBytes: s.bavail * s.bsize };
}
