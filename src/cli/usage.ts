import { EXIT } from './exit-codes.js';

/** A usage error: the command line itself is wrong, so the exit code is 2. */
export function usageError(message: string): Error {
  return Object.assign(new Error(message), { exitCode: EXIT.usage });
}

/** A positive whole number from the command line (an alert, incident or silence id, a limit). */
export function parsePositiveId(raw: string, what: string): number {
  const id = Number(raw);
  if (!Number.isSafeInteger(id) || id <= 0) throw usageError(`${what} must be a positive number, got ${JSON.stringify(raw)}`);
  return id;
}
