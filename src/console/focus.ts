/**
 * Where the focus can go, and the ways to move it besides Tab: the number keys, the `:` prompt,
 * and the breadcrumb that says where one is. Pure values and functions, tested without a terminal.
 */

/** Every panel of the main view, in reading order (left to right, top to bottom): Tab's ring and the number keys. */
export const PANELS = ['freshness', 'coverage', 'daemon', 'resources', 'backups', 'jobs', 'alerts', 'log'] as const;
export type Panel = (typeof PANELS)[number];

/** What each panel is called on screen, in the breadcrumb and at the `:` prompt. */
export const PANEL_TITLES: Record<Panel, string> = {
  freshness: 'Freshness', coverage: 'Coverage', daemon: 'Heartbeat', resources: 'CPU/RAM',
  backups: 'Backups', jobs: 'Jobs', alerts: 'Alerts', log: 'Log',
};

/** The `:` commands that name a panel: its main name first (the one suggested), then other words for it. */
const PANEL_COMMANDS: Record<Panel, string[]> = {
  freshness: ['freshness', 'heatmap'],
  coverage: ['coverage', 'gaps'],
  daemon: ['heartbeat', 'daemon'],
  resources: ['resources', 'cpu', 'ram', 'memory'],
  backups: ['backups'],
  jobs: ['jobs', 'runs'],
  alerts: ['alerts'],
  log: ['log', 'logs'],
};

const OTHER_COMMANDS = { quit: ['quit', 'q'], help: ['help'] } as const;

/** The panel's number key, 1 to 8. */
export function panelNumber(panel: Panel): number {
  return PANELS.indexOf(panel) + 1;
}

/** The panel `step` places further round the ring (negative: backwards). */
export function cyclePanel(panel: Panel, step: number): Panel {
  const n = PANELS.length;
  return PANELS[(((PANELS.indexOf(panel) + step) % n) + n) % n]!;
}

/** The panel a number key jumps to; null for any other key. */
export function panelForKey(key: string): Panel | null {
  if (!/^[1-9]$/.test(key)) return null;
  return PANELS[Number(key) - 1] ?? null;
}

export type Command =
  | { kind: 'panel'; panel: Panel }
  | { kind: 'quit' }
  | { kind: 'help' }
  | { kind: 'none' }
  | { kind: 'unknown'; message: string };

/** The words the prompt knows, each with what it does. */
function vocabulary(): [string, Exclude<Command, { kind: 'none' | 'unknown' }>][] {
  return [
    ...PANELS.flatMap((panel) => PANEL_COMMANDS[panel].map((w): [string, Command & { kind: 'panel' }] => [w, { kind: 'panel', panel }])),
    ...OTHER_COMMANDS.quit.map((w): [string, { kind: 'quit' }] => [w, { kind: 'quit' }]),
    ...OTHER_COMMANDS.help.map((w): [string, { kind: 'help' }] => [w, { kind: 'help' }]),
  ];
}

/**
 * What the text typed after `:` asks for: a panel by name, by another word for it, by a prefix
 * that names one panel only, or by its number; `q`/`quit`; `help`. Anything else is refused
 * with the nearest name, so a typo is fixed in one go.
 */
export function parseCommand(text: string): Command {
  const word = text.trim().toLowerCase();
  if (!word) return { kind: 'none' };
  const byNumber = panelForKey(word);
  if (byNumber) return { kind: 'panel', panel: byNumber };
  const words = vocabulary();
  const exact = words.find(([w]) => w === word);
  if (exact) return exact[1];
  const matches = words.filter(([w]) => w.startsWith(word));
  const targets = new Set(matches.map(([, c]) => JSON.stringify(c)));
  if (targets.size === 1) return matches[0]![1];
  if (targets.size > 1) {
    return { kind: 'unknown', message: `':${word}' could be ${[...new Set(matches.map(([w]) => w))].join(' or ')}: type more of it` };
  }
  // A typo in a whole word (`jbos`) or in the start of one (`bak` for backups).
  const distance = (w: string) => Math.min(editDistance(word, w), editDistance(word, w.slice(0, word.length)));
  const nearest = words.map(([w]) => w).sort((a, b) => distance(a) - distance(b))[0]!;
  const hint = distance(nearest) <= Math.max(2, Math.floor(word.length / 3)) ? `did you mean :${nearest}?` : `a panel (${PANELS.map((p) => PANEL_COMMANDS[p][0]).join(' ')}), 1-${PANELS.length}, or q`;
  return { kind: 'unknown', message: `no command ':${word}' (${hint})` };
}

/** Levenshtein distance: how many one-character edits turn `a` into `b`. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(previous[j]! + 1, row[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = row;
  }
  return previous[b.length]!;
}

/**
 * Where one is, as `Backups › hot 2026-11-30 02:00`: the panel (or the detail opened from it),
 * then what is selected or opened in it; empty items are left out.
 */
export function breadcrumb(where: Panel, ...items: (string | null | undefined)[]): string {
  return [PANEL_TITLES[where], ...items.filter((i): i is string => Boolean(i))].join(' › ');
}

/**
 * The breadcrumb cut to the room the footer's key hints leave on a line of `columns` (with its
 * padding and the ` │ ` after it): the keys are never pushed off by it. Null when under 8 columns
 * would be left, too few to say anything.
 */
export function fitCrumb(crumb: string | null, columns: number, keysWidth: number): string | null {
  if (!crumb) return null;
  const room = columns - 2 - 3 - keysWidth;
  if (room < 8) return null;
  const chars = Array.from(crumb);
  return chars.length <= room ? crumb : `${chars.slice(0, room - 1).join('')}…`;
}

const BACKUP_JOB = 'backup';

/**
 * Which log the Log panel shows: the selected job's while Jobs has the focus, the backup job's
 * under Backups, the daemon's under Heartbeat, else the engine's own. On the Log panel itself:
 * null, it keeps what it shows (so it can be opened whole).
 */
export type LogSource = { kind: 'engine' } | { kind: 'job'; job: string } | { kind: 'daemon' };

export function logSourceFor(panel: Panel, selectedJob: string | null, jobs: readonly string[], hasDaemon: boolean): LogSource | null {
  if (panel === 'log') return null;
  if (panel === 'jobs' && selectedJob) return { kind: 'job', job: selectedJob };
  // Under Backups, the backup job's newest run: what made (or failed to make) the newest copy.
  if (panel === 'backups' && jobs.includes(BACKUP_JOB)) return { kind: 'job', job: BACKUP_JOB };
  if (panel === 'daemon' && hasDaemon) return { kind: 'daemon' };
  return { kind: 'engine' };
}
