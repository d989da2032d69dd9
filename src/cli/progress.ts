/** One JSON line on a stream: what `--json` prints, one object per event or result. */
export function printJsonLine(stream: NodeJS.WritableStream, value: object): void {
  stream.write(`${JSON.stringify(value)}\n`);
}
