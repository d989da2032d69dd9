import fs from 'node:fs';
import Database, { type Db } from '../store/sqlite-driver.js';

export type Diagnosis =
  | { state: 'healthy' }
  | { state: 'missing' }
  | { state: 'not-a-database'; detail: string }
  /** Only index entries are wrong: the table data is whole, REINDEX rebuilds the indexes from it. */
  | { state: 'index-only'; problems: string[] }
  | { state: 'corrupt'; problems: string[] };

const PROBLEM_LIMIT = 100;

/** integrity_check lines that speak of an index alone, never of a table's pages or rows. */
const INDEX_ONLY = [
  /^row \d+ missing from index \S+$/,
  /^wrong # of entries in index \S+$/,
  /^non-unique entry in index \S+$/,
];

/** True when every problem is an index problem: then REINDEX, not a restore, is the cure. */
export function onlyIndexProblems(problems: readonly string[]): boolean {
  return problems.length > 0 && problems.every((p) => INDEX_ONLY.some((re) => re.test(p.trim())));
}

/**
 * Looks at market.db without changing it (a read-only connection): missing, not a database,
 * damaged (and whether only indexes are), or healthy.
 */
export function diagnose(file: string): Diagnosis {
  if (!fs.existsSync(file)) return { state: 'missing' };
  let db: Db | undefined;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    db.pragma('busy_timeout = 10000');
    const problems = (db.pragma(`integrity_check(${PROBLEM_LIMIT})`) as { integrity_check: string }[]).map((r) => r.integrity_check);
    if (problems.length === 1 && problems[0] === 'ok') return { state: 'healthy' };
    return onlyIndexProblems(problems) ? { state: 'index-only', problems } : { state: 'corrupt', problems };
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'SQLITE_NOTADB') return { state: 'not-a-database', detail: `file is not a database (${code})` };
    // The check itself cannot run through the damage ("database disk image is malformed").
    return { state: 'corrupt', problems: [`${code ?? 'error'}: ${(error as Error).message}`] };
  } finally {
    db?.close();
  }
}

export function describeDiagnosis(d: Diagnosis): string {
  switch (d.state) {
    case 'healthy': return 'integrity_check: ok';
    case 'missing': return 'market.db is missing';
    case 'not-a-database': return d.detail;
    case 'index-only': return `only indexes are damaged (${d.problems.length} problem${d.problems.length > 1 ? 's' : ''}: ${d.problems.slice(0, 2).join('; ')})`;
    case 'corrupt': return `damaged: ${d.problems.length}${d.problems.length >= PROBLEM_LIMIT ? '+' : ''} problem${d.problems.length > 1 ? 's' : ''} (${d.problems.slice(0, 2).join('; ')})`;
  }
}
