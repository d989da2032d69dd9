import type { Migration } from '../sqlite.js';

/**
 * A schema described once and rendered for both backends, so the SQLite files and a PostgreSQL
 * database hold the same contract: the same tables, columns, keys, indexes and views, created by
 * the same numbered versions.
 *
 * Column types are SQLite's three storage classes as the contract names them:
 *   text    -> TEXT             / text
 *   real    -> REAL             / double precision
 *   integer -> INTEGER          / bigint (epoch-millisecond times and counts; SQLite's INTEGER is 64-bit)
 * `WITHOUT ROWID` is SQLite's storage choice only; PostgreSQL has no rowid to drop.
 */
export type ColumnType = 'text' | 'real' | 'integer';

export interface Column {
  name: string;
  type: ColumnType;
  /** NOT NULL; a nullable column says `nullable: true`. */
  nullable?: boolean;
  /** A CHECK on this column, in SQL both backends accept (e.g. `kind IN ('a', 'b')`). */
  check?: string;
}

export interface Table {
  name: string;
  /** Who owns the table and what its rows mean. */
  doc: string;
  columns: readonly Column[];
  primaryKey: readonly string[];
  /** SQLite only: a clustered table (the contract's candles); PostgreSQL ignores it. */
  withoutRowid?: boolean;
}

export interface Index {
  name: string;
  table: string;
  columns: readonly string[];
}

export interface View {
  name: string;
  doc?: string;
  /** The SELECT, in SQL both backends accept. */
  select: string;
}

export interface SchemaVersion {
  version: number;
  tables?: readonly Table[];
  indexes?: readonly Index[];
  views?: readonly View[];
}

export type Backend = 'sqlite' | 'postgres';

const TYPES: Record<Backend, Record<ColumnType, string>> = {
  sqlite: { text: 'TEXT', real: 'REAL', integer: 'INTEGER' },
  postgres: { text: 'text', real: 'double precision', integer: 'bigint' },
};

function comment(doc: string, indent: string): string {
  return doc.split('\n').map((l) => `${indent}-- ${l}`.trimEnd()).join('\n');
}

function columnDdl(c: Column, backend: Backend, inlineKey: boolean): string {
  const parts = [c.name, TYPES[backend][c.type]];
  if (!c.nullable) parts.push('NOT NULL');
  if (inlineKey) parts.push('PRIMARY KEY');
  if (c.check) parts.push(`CHECK (${c.check})`);
  return parts.join(' ');
}

/**
 * CREATE TABLE for one backend. A single-column key of a rowid table is written on its column
 * (`day INTEGER NOT NULL PRIMARY KEY`: SQLite's rowid alias), any other key as a table constraint.
 */
export function tableDdl(t: Table, backend: Backend): string {
  const inline = t.primaryKey.length === 1 && !t.withoutRowid ? t.primaryKey[0] : undefined;
  const lines = t.columns.map((c) => columnDdl(c, backend, c.name === inline));
  if (!inline) lines.push(`PRIMARY KEY (${t.primaryKey.join(', ')})`);
  const suffix = backend === 'sqlite' && t.withoutRowid ? ' WITHOUT ROWID' : '';
  return `CREATE TABLE ${t.name} (\n  ${lines.join(',\n  ')}\n)${suffix};`;
}

export function indexDdl(i: Index): string {
  return `CREATE INDEX ${i.name} ON ${i.table} (${i.columns.join(', ')});`;
}

export function viewDdl(v: View): string {
  return `CREATE VIEW ${v.name} AS ${v.select.trim()};`;
}

/** One version's statements: its tables, then their indexes, then the views over them. */
export function versionDdl(v: SchemaVersion, backend: Backend): string {
  return [
    ...(v.tables ?? []).map((t) => `${comment(t.doc, '')}\n${tableDdl(t, backend)}`),
    ...(v.indexes ?? []).map(indexDdl),
    ...(v.views ?? []).map((view) => (view.doc ? `${comment(view.doc, '')}\n` : '') + viewDdl(view)),
  ].join('\n');
}

/** The versions as migrations for one backend (SQLite: `migrate`; PostgreSQL: `migratePg`). */
export function migrationsFor(versions: readonly SchemaVersion[], backend: Backend): Migration[] {
  return versions.map((v) => ({ version: v.version, up: versionDdl(v, backend) }));
}

/** Every table of the schema, in creation order. */
export function tablesOf(versions: readonly SchemaVersion[]): Table[] {
  return versions.flatMap((v) => v.tables ?? []);
}
