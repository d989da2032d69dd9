import fs from 'node:fs';

const ENTER_ALT = '\x1b[?1049h';
const LEAVE_ALT = '\x1b[?1049l';
const HIDE_CURSOR = '\x1b[?25l';
const SHOW_CURSOR = '\x1b[?25h';
const MOUSE_OFF = '\x1b[?1000l\x1b[?1002l\x1b[?1003l\x1b[?1006l';
/** Clears the screen and puts the cursor home. */
export const CLEAR_SCREEN = '\x1b[2J\x1b[H';

/**
 * The full-screen terminal: the alternate screen while the console runs, and the user's own
 * screen and cursor back on every way out. The restore is written synchronously so it lands
 * even when the process is about to exit.
 */
export class FullScreen {
  private active = false;

  constructor(private readonly fd = 1) {}

  enter(): void {
    this.write(ENTER_ALT + MOUSE_OFF + HIDE_CURSOR + CLEAR_SCREEN);
    this.active = true;
  }

  /** Safe to call more than once: a late frame from the renderer may have hidden the cursor again. */
  restore(): void {
    this.write(this.active ? SHOW_CURSOR + LEAVE_ALT : SHOW_CURSOR);
    this.active = false;
  }

  private write(text: string): void {
    try {
      fs.writeSync(this.fd, text);
    } catch {
      // The terminal may be gone (SSH dropped): nothing left to restore.
    }
  }
}

/** What a write to or read from a terminal that has hung up (the SSH link dropped) fails with. */
const HUNG_UP = new Set(['EIO', 'EPIPE', 'ENXIO', 'ECONNRESET', 'EBADF']);

export function isHangUp(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' && HUNG_UP.has(code);
}

/**
 * Once the terminal hangs up, every write to stdout or stderr and every read of stdin fails, and
 * a stream's unhandled 'error' would end the process before the engine could stop what it
 * started. This keeps those errors from being thrown: a hang-up is reported once through
 * `onHangUp`, any other stream error through `onError`. Returns the function that detaches it.
 */
export function surviveHangUp(
  streams: readonly NodeJS.EventEmitter[],
  onHangUp: (error: NodeJS.ErrnoException) => void,
  onError: (error: unknown) => void,
): () => void {
  let reported = false;
  const listener = (error: unknown) => {
    if (!isHangUp(error)) return onError(error);
    if (reported) return;
    reported = true;
    onHangUp(error as NodeJS.ErrnoException);
  };
  for (const stream of streams) stream.on('error', listener);
  return () => {
    for (const stream of streams) stream.off('error', listener);
  };
}
