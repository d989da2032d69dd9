import type { SchemaVersion, Table } from '../schema/describe.js';

const seriesKey = [
  { name: 'symbol', type: 'text' },
  { name: 'interval', type: 'text' },
] as const;

/**
 * Owned by src/health: known exchange-side gaps and the incremental continuity scan's state.
 * Gap bounds are the open times of the first and last missing candle (both inclusive).
 */
export const marketV2Health: SchemaVersion = {
  version: 2,
  tables: [
    {
      name: 'known_gaps',
      doc: 'Owned by src/health/continuity/known-gaps-store.ts: confirmed missing on the exchange itself.',
      columns: [
        ...seriesKey,
        { name: 'from_open_time', type: 'integer' },
        { name: 'to_open_time', type: 'integer' },
        { name: 'confirmed_at', type: 'integer' },
      ],
      primaryKey: ['symbol', 'interval', 'from_open_time'],
      withoutRowid: true,
    },
    {
      name: 'continuity_checkpoints',
      doc: 'Owned by src/health/continuity/continuity-store.ts: every candle of a series up to\nchecked_to has been scanned, so the next check reads only what came after it.',
      columns: [
        ...seriesKey,
        { name: 'checked_to', type: 'integer' },
        { name: 'checked_at', type: 'integer' },
      ],
      primaryKey: ['symbol', 'interval'],
      withoutRowid: true,
    },
    {
      name: 'continuity_holes',
      doc: 'Owned by src/health/continuity/continuity-store.ts: the holes found so far (any length),\nre-verified on every check until they are filled.',
      columns: [
        ...seriesKey,
        { name: 'from_open_time', type: 'integer' },
        { name: 'to_open_time', type: 'integer' },
        { name: 'missing', type: 'integer' },
        { name: 'found_at', type: 'integer' },
      ],
      primaryKey: ['symbol', 'interval', 'from_open_time'],
      withoutRowid: true,
    },
  ] satisfies Table[],
};
