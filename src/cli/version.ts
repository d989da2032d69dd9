/**
 * The version `--version` prints. Its own module, with no imports, so the entry points answer
 * `--version` without loading the command tree (commander, zod, the config loader and every
 * command's dependencies take about half a second).
 */
export const CLI_VERSION = process.env.npm_package_version ?? '0.1.0';

/** True for a bare `--version` or `-V`: answered at once by the entry points. */
export function isVersionOnly(argv: readonly string[]): boolean {
  const args = argv.slice(2);
  return args.length === 1 && (args[0] === '--version' || args[0] === '-V');
}
