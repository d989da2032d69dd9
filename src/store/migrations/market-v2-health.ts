import type { Migration } from '../sqlite.js';

/** Owned by src/health (known exchange-side gaps and the continuity scan's checkpoints). */
export const marketV2Health: Migration = {
  version: 2,
  up: `
    CREATE TABLE known_gaps (
      symbol TEXT NOT NULL,
      interval TEXT NOT NULL,
      from_open_time INTEGER NOT NULL,
      to_open_time INTEGER NOT NULL,
      confirmed_at INTEGER NOT NULL,
      PRIMARY KEY (symbol, interval, from_open_time)
    );
  `,
};
