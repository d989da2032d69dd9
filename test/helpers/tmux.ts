import { execFileSync } from 'node:child_process';

export function hasTmux(): boolean {
  try {
    execFileSync('tmux', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * One program in a real terminal: a detached tmux session on a private server, so tests can type
 * keys, resize the window and read the screen as a person would see it.
 */
export class TmuxTerminal {
  private readonly socket = `cfa-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  readonly session = 'console';

  constructor(command: string, columns = 100, rows = 30, env: Record<string, string> = {}) {
    const envArgs = Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
    this.tmux('-f', '/dev/null', 'new-session', '-d', '-s', this.session, '-x', String(columns), '-y', String(rows), ...envArgs, command);
    this.tmux('set-option', '-t', this.session, 'remain-on-exit', 'on');
    this.tmux('set-option', '-t', this.session, 'window-size', 'manual');
  }

  private tmux(...args: string[]): string {
    return execFileSync('tmux', ['-L', this.socket, ...args], { encoding: 'utf8' });
  }

  screen(withEscapes = false): string {
    return this.tmux('capture-pane', '-p', ...(withEscapes ? ['-e'] : []), '-t', this.session);
  }

  /** tmux key names: 'Tab', 'Enter', 'Escape', 'BTab', 'C-l', or literal text. */
  keys(...keys: string[]): void {
    this.tmux('send-keys', '-t', this.session, ...keys);
  }

  resize(columns: number, rows: number): void {
    this.tmux('resize-window', '-t', this.session, '-x', String(columns), '-y', String(rows));
  }

  /** alternate screen on, cursor visible, program ended, and the program's PID. */
  state(): { alternate: boolean; cursorVisible: boolean; dead: boolean; pid: number } {
    const [alt, cursor, dead, pid] = this.tmux('display-message', '-p', '-t', this.session, '#{alternate_on} #{cursor_flag} #{pane_dead} #{pane_pid}').trim().split(' ');
    return { alternate: alt === '1', cursorVisible: cursor === '1', dead: dead === '1', pid: Number(pid) };
  }

  async waitFor(predicate: (screen: string) => boolean, what: string, timeoutMs = 20_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < deadline) {
      last = this.screen();
      if (predicate(last)) return last;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`waited ${timeoutMs} ms for ${what}; the screen was:\n${last}`);
  }

  async waitForState(predicate: (s: ReturnType<TmuxTerminal['state']>) => boolean, what: string, timeoutMs = 20_000) {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const s = this.state();
      if (predicate(s)) return s;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`waited ${timeoutMs} ms for ${what}; state ${JSON.stringify(this.state())}\n${this.screen()}`);
  }

  close(): void {
    try {
      this.tmux('kill-server');
    } catch {
      // already gone
    }
  }
}
