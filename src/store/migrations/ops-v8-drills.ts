import type { Migration } from '../sqlite.js';

/**
 * `game_day_drills` is owned by src/runbook/drill/drill-store.ts: every game-day drill
 * (`cfa-console drill`), its scenario (a runbook id), whether it passed, its score and its report
 * (the incident report of the sandbox, marked as a drill). The sandbox itself is gone; this row is
 * what is kept. The SLA audit counts these for the monthly drill.
 */
export const opsV8Drills: Migration = {
  version: 8,
  up: `
    CREATE TABLE game_day_drills (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      scenario TEXT NOT NULL,
      mode TEXT NOT NULL CHECK (mode IN ('headless', 'interactive')),
      started_at INTEGER NOT NULL,
      ended_at INTEGER NOT NULL,
      passed INTEGER NOT NULL CHECK (passed IN (0, 1)),
      reason TEXT,
      to_steady_ms INTEGER,
      target_ms INTEGER,
      result TEXT NOT NULL
    );
    CREATE INDEX game_day_drills_by_time ON game_day_drills (started_at);
  `,
};
