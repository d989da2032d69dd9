import cliProgress from 'cli-progress';

export interface ProgressReporter {
  start(total: number): void;
  tick(detail: string): void;
  stop(): void;
}

/** A bar on a terminal; nothing elsewhere (scripts get JSON lines or the final summary). */
export function createProgress(stream: NodeJS.WriteStream, label: string): ProgressReporter {
  if (!stream.isTTY) return { start() {}, tick() {}, stop() {} };
  const bar = new cliProgress.SingleBar({
    stream,
    format: `${label} [{bar}] {value}/{total} series | {percentage}% | ETA {eta_formatted} | {detail}`,
    hideCursor: true,
    clearOnComplete: false,
    etaBuffer: 50,
  }, cliProgress.Presets.shades_classic);
  return {
    start: (total) => bar.start(total, 0, { detail: '' }),
    tick: (detail) => bar.increment(1, { detail }),
    stop: () => bar.stop(),
  };
}
