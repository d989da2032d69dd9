import { afterEach, describe, expect, it } from 'vitest';
import { closeConsoles, openConsole, startSync } from '../helpers/console-terminal.js';
import { hasTmux } from '../helpers/tmux.js';

afterEach(closeConsoles);

const FAST_ENGINE = { engine: { leaseTtl: '2s', leaseRenewEvery: '300ms', stopGrace: '2s', sampleEvery: '500ms', monitorEvery: '1s' } };

/** The columns a panel's top border spans on a line: from its corner to the next corner. */
function borderWidths(line: string): number[] {
  return line.split(/(?<=┐)/).map((part) => part.length);
}

describe.skipIf(!hasTmux())('the console uses its room, and says what it shows', () => {
  it('at 140x45 the panels grow: labelled heatmap, jobs as tall as their list, alerts and log wide', async () => {
    const term = await openConsole(140, 45, {}, FAST_ENGINE);
    const screen = await term.waitFor((s) => s.split('\n')[43]?.includes('? help') === true && /│ 1d  . \d+\/2/.test(s) && /became leader/.test(s), 'the 140x45 layout with a health check');
    const lines = screen.split('\n');
    // Two symbols: each cell carries its name.
    expect(lines.find((l) => l.startsWith('║ 15m')), screen).toMatch(/║ 15m . BTCUSDT . ETHUSDT/);
    // The Jobs panel ends under its last job: no empty rows.
    const last = lines.findIndex((l) => /│ {2}backtest /.test(l));
    expect(last, screen).toBeGreaterThan(0);
    expect(lines[last + 1], screen).toMatch(/^└─+┘└─+┘$/);
    // Beside it the Alerts are wider than half the terminal's remainder; the Log spans the whole width under them.
    const jobsTop = lines.findIndex((l) => /^┌─+┐┌─+┐$/.test(l) && lines[lines.indexOf(l) + 1]?.includes('Jobs'));
    const [jobsWidth, alertsWidth] = borderWidths(lines[jobsTop]!);
    expect(alertsWidth, screen).toBeGreaterThanOrEqual(70);
    expect(jobsWidth! + alertsWidth!).toBe(140);
    const logTitle = lines.findIndex((l) => l.includes('Log: engine'));
    expect(lines[logTitle - 1], screen).toMatch(/^┌─{138}┐$/);
    // A log line is shown whole at this width, not cut at 40 columns.
    expect(lines.find((l) => l.includes('became leader')), screen).toMatch(/became leader holderId=[0-9a-f-]{36}( host=\S+)? +│$/);
  }, 60_000);

  it('shrunk from 140x45 to 80x24, every heatmap row is there (the dropped bottom border gives its row back)', async () => {
    const term = await openConsole(140, 45);
    await term.waitFor((s) => /║ 4h {2}/.test(s) && s.split('\n')[43]?.includes('? help') === true, 'the 140x45 layout');
    term.resize(80, 24);
    const screen = await term.waitFor((s) => s.split('\n')[22]?.includes('? help') === true && /║ 1d {2}/.test(s), 'the 80x24 layout');
    for (const interval of ['15m', '1h', '4h', '1d']) expect(screen, screen).toMatch(new RegExp(`^║ ${interval.padEnd(4)}`, 'm'));
  }, 60_000);

  it('Ctrl-L draws the whole frame again at once, not a blank screen until something changes', async () => {
    const term = await openConsole(100, 30);
    await term.waitFor((s) => s.includes('became leader'), 'the log line');
    // A still screen (but for the clock) first: a frame that changes anyway would hide a redraw that draws nothing.
    let last = '';
    let stillSince = Date.now();
    while (Date.now() - stillSince < 2_500) {
      const now = term.screen().split('\n').slice(1).join('\n');
      if (now !== last) [last, stillSince] = [now, Date.now()];
      await new Promise((r) => setTimeout(r, 250));
    }
    term.keys('C-l');
    // Read the screen once the key has surely been handled (the screen before it would pass):
    // nothing on it changes in these seconds (the CPU chart redraws every 15 s), so only the redraw can have put the frame back.
    await new Promise((r) => setTimeout(r, 2_000));
    const screen = term.screen();
    for (const text of ['▶ Freshness', 'Jobs', 'became leader']) expect(screen, screen).toContain(text);
    expect(screen.split('\n')[28], screen).toContain('? help');
  }, 60_000);

  it('a notice has a line of its own above the key hints, never over them, and goes after a few seconds', async () => {
    const term = await openConsole(100, 32);
    await startSync(term);
    const screen = await term.waitFor((s) => /✔ sync success \(run \d+\)/.test(s), 'the run\'s notice', 30_000);
    const lines = screen.split('\n');
    const footer = lines[30]!;
    expect(footer, screen).toMatch(/^ \? help .* q quit\s*$/);
    expect(footer).not.toContain('sync');
    expect(lines[29], screen).toMatch(/^ ✔ sync success \(run \d+\)\s*$/);
    // Gone within the notice's 6 s (and the redraw), the key hints still there.
    const after = await term.waitFor((s) => !s.includes('sync success (run'), 'the notice to go', 12_000);
    expect(after.split('\n')[30], after).toMatch(/^ \? help .* q quit/);
  }, 60_000);

  it('a filter that matches nothing says so; a filter that leaves few symbols labels their cells', async () => {
    const term = await openConsole(80, 24);
    term.keys('-l', '/XRP');
    await term.waitFor((s) => s.includes('filter: XRP▏'), 'the filter typed');
    term.keys('Enter');
    let screen = await term.waitFor((s) => s.includes("no symbol matches 'XRP'"), 'no symbol matches');
    expect(screen).not.toContain('every series within its threshold');
    expect(screen).not.toMatch(/^║ 15m/m);
    term.keys('/');
    await term.waitFor((s) => s.includes('filter: XRP▏'), 'the filter open again');
    term.keys('Escape');
    await term.waitFor((s) => !s.includes('filter:'), 'the filter cleared');
    term.keys('-l', '/ETH');
    term.keys('Enter');
    screen = await term.waitFor((s) => s.includes('filter: ETH') && !s.includes('filter: ETH▏'), 'the ETH filter kept');
    expect(screen).toMatch(/^║ 15m +. ETHUSDT +║$/m);
    expect(screen).not.toContain('BTCUSDT ');
  }, 60_000);

  it('/ with Jobs focused filters the jobs by name, a whole word sent in one write; Esc clears it', async () => {
    const term = await openConsole(100, 30);
    term.keys('6');
    await term.waitFor((s) => s.includes('▶ Jobs') && s.includes('compact'), 'the jobs panel focused');
    // One write: the whole word reaches the prompt, the focus stays on Jobs.
    term.keys('-l', '/drill');
    let screen = await term.waitFor((s) => s.includes('filter: drill▏') && /›backup-drill /.test(s), 'the jobs filtered');
    expect(screen).toContain('▶ Jobs');
    for (const other of ['compact', 'sentiment', 'validate', 'backtest']) expect(screen, screen).not.toContain(other);
    // The symbols are not filtered: both still in the heatmap.
    expect(screen).not.toContain('no symbol matches');
    term.keys('-l', 'xyz');
    screen = await term.waitFor((s) => s.includes("no job matches 'drillxyz'"), 'no job matches');
    expect(screen).not.toContain('backup-drill');
    term.keys('Escape');
    screen = await term.waitFor((s) => !s.includes('filter:') && s.includes('compact'), 'the filter cleared, every job back');
    expect(screen).toContain('▶ Jobs');
  }, 60_000);

  it('z zooms the focused panel and back; G, g, End and Home move through a list', async () => {
    const term = await openConsole(100, 30);
    term.keys('6');
    await term.waitFor((s) => s.includes('▶ Jobs'), 'the jobs panel focused');
    term.keys('z');
    let screen = await term.waitFor((s) => s.includes('▶ Jobs') && !s.includes('Freshness'), 'the jobs zoomed');
    // Zoomed, the jobs have every row: one column with their status, not two of names.
    expect(screen).toMatch(/║ {2}backup-drill · never/);
    expect(screen).not.toContain('Coverage');
    term.keys('G');
    await term.waitFor((s) => /›backtest /.test(s), 'G: the last job');
    term.keys('Home');
    await term.waitFor((s) => /›sync /.test(s), 'Home: the first job');
    term.keys('End');
    await term.waitFor((s) => /›backtest /.test(s), 'End: the last job');
    term.keys('g');
    await term.waitFor((s) => /›sync /.test(s), 'g: the first job');
    term.keys('z');
    screen = await term.waitFor((s) => s.includes('Freshness') && s.includes('Coverage') && s.includes('▶ Jobs'), 'back from the zoom');
    expect(screen.split('\n')[28]).toContain('z zoom');
  }, 60_000);

  it('/ in the log view shows only the lines that contain the text', async () => {
    const term = await openConsole(100, 30);
    // Seven Tabs in one write, as fast typing sends them: Freshness to Log round the ring of eight.
    term.keys('Tab', 'Tab', 'Tab', 'Tab', 'Tab', 'Tab', 'Tab');
    await term.waitFor((s) => s.includes('▶ Log: engine'), 'the log panel focused');
    term.keys('Enter');
    await term.waitFor((s) => /▶ Log: engine .*following/.test(s) && s.includes('became leader'), 'the log view');
    term.keys('-l', '/became');
    const screen = await term.waitFor((s) => s.includes('filter: became▏'), 'the log filter typed');
    expect(screen).toContain('became leader');
    expect(screen).not.toContain('engine starting');
    term.keys('-l', 'xyz');
    await term.waitFor((s) => s.includes("no line contains 'becamexyz'"), 'no line matches');
    term.keys('Escape');
    await term.waitFor((s) => s.includes('engine starting') && !s.includes('filter:'), 'the filter cleared, every line back');
  }, 60_000);
});
