import React from 'react';
import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import { startingActions } from '../src/console/console-actions.js';
import { emptyModel } from '../src/console/console-model.js';
import { ConsoleStore } from '../src/console/console-store.js';
import { INTERVALS } from '../test/helpers/console-fixtures.js';
import { App } from './App.js';

describe('App', () => {
  // The console draws this frame before its engine is loaded (components/console-mode.tsx).
  it('before the engine is up: every panel is there and says it is waiting, nothing reads as a fault or as absent', () => {
    const store = new ConsoleStore(emptyModel('box', '/srv/cfa'));
    const frame = render(<App store={store} actions={startingActions(() => {})} intervals={INTERVALS} noColor />).lastFrame()!;
    for (const title of ['Freshness', 'Coverage', 'Heartbeat', 'CPU/RAM', 'Backups', 'Jobs', 'Alerts', 'Log', '? help']) expect(frame).toContain(title);
    expect(frame).toContain('starting');
    expect(frame).toContain('health ? UNKNOWN');
    // No fault mark (the Freshness title's counts say ✖0), no red or yellow verdict.
    expect(frame).not.toMatch(/✖(?!0)|CRITICAL|WARN/);
    // What would be false before the engine has been asked.
    for (const claim of ['none configured', 'no jobs', 'alerting not running']) expect(frame).not.toContain(claim);
  });

  it('says the engine is starting when a key needs it before it is up', () => {
    const notices: string[] = [];
    const actions = startingActions((text) => notices.push(text));
    actions.runJob('sync');
    expect(notices).toEqual(['· the engine is still starting: try again in a moment']);
    expect(actions.jobRuns('sync')).toEqual([]);
    expect(actions.runningHere()).toEqual([]);
  });
});
