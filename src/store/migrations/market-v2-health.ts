import type { Migration } from '../sqlite.js';

/**
 * Owned by src/health: known exchange-side gaps and the incremental continuity scan's state.
 * Gap bounds are the open times of the first and last missing candle (both inclusive).
 */
export const marketV2Health: Migration = {
  version: 2,
  up: `
    -- Owned by src/health/continuity/known-gaps-store.ts: confirmed missing on the exchange itself.
    CREATE TABLE known_gaps (
      symbol TEXT NOT NULL,
      interval TEXT NOT NULL,
      from_open_time INTEGER NOT NULL,
      to_open_time INTEGER NOT NULL,
      confirmed_at INTEGER NOT NULL,
      PRIMARY KEY (symbol, interval, from_open_time)
    ) WITHOUT ROWID;
    -- Owned by src/health/continuity/continuity-store.ts: every candle of a series up to
    -- checked_to has been scanned, so the next check reads only what came after it.
    CREATE TABLE continuity_checkpoints (
      symbol TEXT NOT NULL,
      interval TEXT NOT NULL,
      checked_to INTEGER NOT NULL,
      checked_at INTEGER NOT NULL,
      PRIMARY KEY (symbol, interval)
    ) WITHOUT ROWID;
    -- Owned by src/health/continuity/continuity-store.ts: the holes found so far (any length),
    -- re-verified on every check until they are filled.
    CREATE TABLE continuity_holes (
      symbol TEXT NOT NULL,
      interval TEXT NOT NULL,
      from_open_time INTEGER NOT NULL,
      to_open_time INTEGER NOT NULL,
      missing INTEGER NOT NULL,
      found_at INTEGER NOT NULL,
      PRIMARY KEY (symbol, interval, from_open_time)
    ) WITHOUT ROWID;
  `,
};
