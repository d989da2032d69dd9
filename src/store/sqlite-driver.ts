import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';

/**
 * The one place better-sqlite3 is loaded; everything else imports `Database` from here.
 *
 * Two majors are installed side by side, because no single one runs on every Node this project
 * supports (`engines` >= 20):
 * - `better-sqlite3` 12.x, built from source at install. It is the only one that runs on Node 20,
 *   but on Node 24.19 and later it aborts the process at random when the garbage collector
 *   finalizes a Statement ("Assertion failed: (env) != nullptr" in
 *   node::RemoveEnvironmentCleanupHook), which test/store/sqlite-driver.test.ts reproduces.
 * - `better-sqlite3-13`, an npm alias of better-sqlite3 13.x: Node-API, with prebuilt binaries in
 *   the package (nothing is compiled), and free of that abort. Its binaries use Node-API 10
 *   (Node 22.14, 23.6, 24 and later) and crash on Node 20, which has Node-API 9; its `engines`
 *   (>= 22) makes it an optional dependency npm skips on Node 20.
 *
 * So the choice is by the Node-API version this Node offers, not by its major: 13 wherever its
 * binary can run and it was installed, 12 everywhere else.
 */
export const DRIVER_12 = 'better-sqlite3';
export const DRIVER_13 = 'better-sqlite3-13';
/** The Node-API version better-sqlite3 13's prebuilt binaries are built against. */
export const NODE_API_OF_13 = 10;

export type Db = BetterSqlite3.Database;
export type DatabaseConstructor = typeof BetterSqlite3;

/** Which package to load on a Node offering Node-API `nodeApi`, given whether 13 is installed. */
export function chooseSqliteDriver(nodeApi: number, has13: boolean): typeof DRIVER_12 | typeof DRIVER_13 {
  return has13 && nodeApi >= NODE_API_OF_13 ? DRIVER_13 : DRIVER_12;
}

const require = createRequire(import.meta.url);

function resolveInstalled(name: string): string | undefined {
  try {
    return require.resolve(name);
  } catch {
    return undefined;
  }
}

/** The package this process loads (one of DRIVER_12, DRIVER_13). */
export const sqliteDriver = chooseSqliteDriver(Number(process.versions.napi), resolveInstalled(DRIVER_13) !== undefined);
/** Its entry file: what a child process given only `require` should load to get the same driver. */
export const sqliteDriverFile = require.resolve(sqliteDriver);
/** Its version, e.g. "13.2.0". */
export const sqliteDriverVersion = (require(`${sqliteDriver}/package.json`) as { version: string }).version;

const Database = require(sqliteDriverFile) as DatabaseConstructor;
export default Database;
