/**
 * Ends the process once stdout and stderr have handed everything written to the kernel.
 *
 * `process.exit` drops writes still queued in the process: on Linux a child's stdio is a socket
 * pair, and a reader that is slow to read (a loaded machine, `| jq` behind a slow terminal) makes
 * the writes queue after about 20 KB. The last lines written, `sync --json`'s summary among them,
 * were then lost while the exit code said 124 (seen on CI under Node 24).
 *
 * A reader that never reads must not hold the exit for ever: after `boundMs` the process exits
 * with what could be handed over. A closed stream (EPIPE) counts as flushed.
 */
export function exitFlushed(code: number, boundMs = 10_000, streams: NodeJS.WriteStream[] = [process.stdout, process.stderr]): void {
  let left = streams.length;
  const bound = setTimeout(() => process.exit(code), boundMs);
  const flushed = () => {
    left -= 1;
    if (left > 0) return;
    clearTimeout(bound);
    process.exit(code);
  };
  for (const stream of streams) {
    if (stream.destroyed || !stream.writable || stream.writableLength === 0) flushed();
    // Writes end in order: the callback of an empty write comes once everything before it is out.
    else stream.write('', () => flushed());
  }
}
