import fs from 'node:fs';

/**
 * Rewrites the clock's cells in place once a second (save cursor, move, write, restore): about
 * 40 bytes a second over SSH instead of a whole frame.
 */
export class ClockTicker {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly position: () => { row: number; column: number } | null,
    private readonly text: () => string,
    private readonly fd = 1,
  ) {}

  start(): void {
    const tick = () => {
      const at = this.position();
      if (at) {
        try {
          fs.writeSync(this.fd, `\x1b7\x1b[${at.row};${at.column}H${this.text()}\x1b8`);
        } catch {
          // The terminal is gone; the console is about to stop.
        }
      }
      // Aligned to the second so the display changes when the second does.
      this.timer = setTimeout(tick, 1000 - (Date.now() % 1000) + 5);
    };
    this.timer = setTimeout(tick, 1000 - (Date.now() % 1000) + 5);
  }

  stop(): void {
    clearTimeout(this.timer);
  }
}
