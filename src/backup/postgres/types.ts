/**
 * What a pg_dump of the store is checked against (facts.ts reads them): read from the store in the
 * very snapshot the dump is taken in, and again from the scratch database the dump is restored
 * into. Kept in the catalog's `facts` column.
 */
export interface PgFacts {
  /** Per series ("BTCUSDT 1h"): candles, newest open time, and an order-free checksum of the rows. */
  series: Record<string, { count: number; newest: number; checksum: string }>;
  /** Rows of every table in the dump ("public.candles"). */
  tables: Record<string, number>;
  /** The market schema's version (cfa_schema_versions), 0 when that table is absent. */
  schemaVersion: number;
}
